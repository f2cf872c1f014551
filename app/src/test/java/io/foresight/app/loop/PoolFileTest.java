package io.foresight.app.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.rules.PoolKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolFileTest {
    static final Path EXAMPLES = Path.of("..", "examples");

    @TempDir
    Path dir;

    Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void theDocumentedPrometheusExampleParsesWithItsDefaults() {
        PoolFile p = PoolFile.read(EXAMPLES.resolve("pool-prometheus.yaml"));
        assertEquals("prometheus-demo", p.pool());
        assertEquals("prometheus:http://127.0.0.1:9090", p.source());
        assertEquals("user", p.userLabel());
        assertEquals("sum by ({{label}}) (foresight_usage_cpu_cores)", p.queries().get(Resource.CPU));
        assertEquals(300, p.intervalSeconds());
        assertTrue(p.dryRun());
        assertTrue(p.live());
        assertEquals(PoolKind.VM_FLEET, p.kind());
        assertEquals(java.time.Instant.parse("2013-07-05T00:00:00Z"), p.start(), "four days into the backfilled slice");
        assertEquals(60.0, p.acceleration());
        String ref = p.dataSource();
        assertTrue(ref.startsWith("prometheus:http://127.0.0.1:9090#label=user&cpu="), ref);
        assertTrue(ref.endsWith("&step=300"), ref);
    }

    @Test
    void theDocumentedTraceExampleResolvesItsPathAndEnforces() {
        PoolFile p = PoolFile.read(EXAMPLES.resolve("pool-trace.properties"));
        assertEquals("trace-demo", p.pool());
        assertTrue(p.source().startsWith("trace:/"), "absolute path: " + p.source());
        assertTrue(Files.isRegularFile(Path.of(p.source().substring("trace:".length()))));
        assertFalse(p.dryRun());
        assertEquals(300.0, p.acceleration());
        assertEquals(200, p.maxCycles());
        assertEquals(p.source(), p.dataSource());
    }

    @Test
    void shardCountFixesTheShardsPerCycleAndReachesTheLoopsInput() throws Exception {
        String base = "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\n";
        PoolFile dflt = PoolFile.read(write("d.yaml", base));
        assertEquals(0, dflt.shardCount(), "default: shards of shard-size users");
        assertEquals(0, io.foresight.app.LoopCommand.params(dflt, dflt.dataSource(), false).shardCount());
        PoolFile p = PoolFile.read(write("c.yaml", base + "shard-count: 8\n"));
        assertEquals(8, p.shardCount());
        assertEquals(8, io.foresight.app.LoopCommand.params(p, p.dataSource(), false).shardCount(),
                "the workflow splits the pool into the file's shard count");
    }

    @Test
    void aLiveSourceIsDryRunUnlessTheFileSaysEnforce() throws Exception {
        PoolFile p = PoolFile.read(write("p.yaml", "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\n"));
        assertTrue(p.dryRun());
        assertEquals("namespace", p.userLabel());
        assertNull(p.start());
        PoolFile q = PoolFile.read(write("q.yaml", "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: 'up # not a comment'\n"
                + "mode: enforce # yes\nstart: 2013-07-05T00:00:00Z\n"));
        assertFalse(q.dryRun());
        assertEquals("up # not a comment", q.queries().get(Resource.CPU));
        assertEquals(1372982400L, q.start().getEpochSecond());
    }

    @Test
    void anUnknownKeyNamesFileLineKeyAndTheClosestKnownOne() throws Exception {
        Path f = write("p.yaml", "pool: a\n# comment\nsorce: prometheus:http://h:9090\n");
        PoolFileException e = assertThrows(PoolFileException.class, () -> PoolFile.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3: key 'sorce' unknown key. Fix: use one of "), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'source'?"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aMissingFieldNamesTheKeyAndHowToWriteIt() throws Exception {
        Path f = write("p.properties", "pool=a\n");
        PoolFileException e = assertThrows(PoolFileException.class, () -> PoolFile.read(f));
        assertEquals(f + ":1: key 'source' missing. Fix: add trace:PATH, prometheus:URL or store:URL (the ingestion API of "
                + "./foresight data serve), e.g. source: prometheus:http://127.0.0.1:9090",
                e.getMessage());
        Path g = write("g.yaml", "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.memory: x\n");
        PoolFileException m = assertThrows(PoolFileException.class, () -> PoolFile.read(g));
        assertTrue(m.getMessage().contains("key 'prometheus.query.cpu' missing"), m.getMessage());
    }

    @Test
    void wrongValuesNameTheirLine() throws Exception {
        String base = "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\n";
        assertMessage(base + "mode: sometimes\n", ":4: key 'mode' 'sometimes' is not a mode");
        assertMessage(base + "interval: 5 minutes\n", ":4: key 'interval' '5 minutes' is not a duration");
        assertMessage(base + "actuator: puppet\n", ":4: key 'actuator' 'puppet' is not an actuator");
        assertMessage(base + "kubernetes.context: prod\n", ":4: key 'kubernetes.context' only applies to actuator: kubernetes");
        assertMessage(base + "actuator: kubernetes\nkubernetes.kubeconfig: none.yaml\n", ":5: key 'kubernetes.kubeconfig' no file at ");
        assertMessage(base + "actuator: kubernetes\nkubernetes.namespace-prefix: Team_\n",
                ":5: key 'kubernetes.namespace-prefix' 'Team_' cannot start a namespace name");
        assertMessage(base + "model: champion@v2\n", ":4: key 'model' 'champion@v2' is not a registry alias");
        assertMessage(base + "users: users.csv\n", ":4: key 'users' no file at ");
        assertMessage(base + "acceleration: 60\n", ":4: key 'acceleration' a live source runs on the wall clock");
        assertEquals(60.0, PoolFile.read(write("backfill.yaml", base + "start: 2013-07-05T00:00:00Z\nacceleration: 60\n")).acceleration(),
                "backfilled history from a past start may be replayed faster than it happened");
        assertMessage(base + "pool-kind: spot\n", ":4: key 'pool-kind' 'spot' is not a pool kind");
        assertMessage(base + "rules: nowhere\n", ":4: key 'rules'");
        assertMessage(base + "pool: b\n", ":4: key 'pool' given twice (first on line 1)");
        assertMessage(base + "prometheus.user-label: not-a-label\n", ":4: key 'prometheus.user-label' 'not-a-label' is not a Prometheus label name");
        assertMessage(base + "shard-size: 0\n", ":4: key 'shard-size' '0' is out of range");
        assertMessage(base + "shard-count: -1\n", ":4: key 'shard-count' '-1' is out of range");
        assertMessage(base + "shard-size: 500\nshard-count: 4\n", ":5: key 'shard-count' and shard-size are both set");
        assertMessage(base + "  nested: 1\n", ":4: key 'nested' indented (nested) YAML is not read");
        assertMessage(base + "- item\n", ":4: expected 'key: value'");
        assertMessage("pool: a\nsource: trace:missing.csv\n", ":2: key 'source' no trace file at ");
        assertMessage("pool: a\nsource: trace:x\nprometheus.query.cpu: up\n", ":2: key 'source' no trace file");
        assertMessage("pool: a/b\n", ":1: key 'pool' 'a/b' is not a pool id");
        assertMessage("pool: a\nsource: store:x\n", ":2: key 'source' 'x' is not the http(s) URL of an ingestion API");
        assertMessage("pool: a\nsource: store:http://h:8088\nprometheus.query.cpu: up\n",
                ":3: key 'prometheus.query.cpu' only applies to a prometheus: source");
    }

    @Test
    void anIngestionStoreSourceIsALiveSourceReadThroughItsApi() throws Exception {
        PoolFile p = PoolFile.read(write("store.yaml", "pool: a\nsource: store:http://127.0.0.1:8088\ninterval: 5m\n"));
        assertTrue(p.live(), "the store reports as it goes: dry-run by default, stale users held");
        assertEquals("store:http://127.0.0.1:8088#step=300", p.dataSource());
        PoolFile example = PoolFile.read(Path.of("..", "examples", "pool-store.yaml"));
        assertTrue(example.source().startsWith("store:http"), example.source());
    }

    @Test
    void prometheusKeysOnATraceSourceAreRefused() throws Exception {
        Path trace = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz").toAbsolutePath();
        assertMessage("pool: a\nsource: trace:" + trace + "\nprometheus.query.cpu: up\n", ":3: key 'prometheus.query.cpu' only applies to a prometheus: source");
    }

    @Test
    void controlCharactersAndLineSeparatorsAreEscapedSoTheErrorStaysOneLine() {
        // found by PoolFileProperties: a NEL (U+0085) line printed as is broke the one-line error
        PoolFileException e = assertThrows(PoolFileException.class,
                () -> PoolFile.parse(Path.of("/p.yaml"), "pool: a\n\u0085x\u2028y\n", true));
        assertEquals("/p.yaml:2: expected 'key: value', got '\\u0085x\\u2028y'. Fix: write one key per line (flat keys; no lists or nested blocks)",
                e.getMessage());
    }

    @Test
    void aTracePathThatIsNoPathIsRefusedWithTheLine() {
        for (String source : new String[] {"trace:a\u0000b", "trace: , ", "prometheus:http://[::1"}) {
            PoolFileException e = assertThrows(PoolFileException.class,
                    () -> PoolFile.parse(Path.of("/pools/p.yaml"), "pool: a\nsource: " + source + "\n", true), source);
            assertTrue(e.getMessage().startsWith("/pools/p.yaml:2: ") && e.getMessage().contains("Fix: "), e.getMessage());
        }
    }

    @Test
    void aMissingFileSaysWhereTheExampleIs() {
        PoolFileException e = assertThrows(PoolFileException.class, () -> PoolFile.read(dir.resolve("none.yaml")));
        assertTrue(e.getMessage().contains("examples/pool-prometheus.yaml"));
    }

    private void assertMessage(String text, String expected) throws Exception {
        Path f = write("t" + System.nanoTime() + ".yaml", text);
        PoolFileException e = assertThrows(PoolFileException.class, () -> PoolFile.read(f), text);
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(". Fix: ") || e.getMessage().contains("Fix:"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void rulesKindModelUsersAndActuatorBecomeTheLoopsSettings() throws Exception {
        Path rules = dir.resolve("rules");
        io.foresight.rules.PolicyRepository.exportBundled(rules);
        Path users = write("users.properties", "default.team=web\nuser.vm1.tier=PREMIUM\n");
        Path kubeconfig = write("kubeconfig", "apiVersion: v1\nkind: Config\n");
        PoolFile p = PoolFile.read(write("p.yaml", "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\n"
                + "rules: rules\npool-kind: batch\nmodel: challenger\nusers: users.properties\nactuator: kubernetes\n"
                + "kubernetes.kubeconfig: kubeconfig\nkubernetes.context: lab\nkubernetes.namespace-prefix: team-\n"));
        io.foresight.workflows.controlloop.PoolSettings s = p.settings();
        assertEquals(rules.toAbsolutePath().toString(), s.rulesDir());
        assertEquals("batch", s.poolKind());
        assertEquals("challenger", s.model());
        assertEquals(users.toAbsolutePath().toString(), s.usersFile());
        assertTrue(s.kubernetes());
        assertEquals(kubeconfig.toAbsolutePath().toString(), s.kubeconfig());
        assertEquals("lab", s.kubeContext());
        assertEquals("team-", s.namespacePrefix());
        PoolFile plain = PoolFile.read(write("q.yaml", "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\n"));
        assertEquals(new io.foresight.workflows.controlloop.PoolSettings(null, "vm-fleet", null, null, "simulated", null, null, null),
                plain.settings());
    }

    @Test
    void rulesThatDoNotCompileAndAnUnreadableUsersFileStopTheStart() throws Exception {
        Files.createDirectory(dir.resolve("bad-rules"));
        Files.writeString(dir.resolve("bad-rules").resolve("broken.drl"), "package io.foresight.rules;\nrule \"x\" when then nope(; end\n");
        assertMessage("pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\nrules: bad-rules\n",
                ":4: key 'rules' holds rules that do not load (");
        write("users-bad.properties", "user.vm1.tier=GOLD\n");
        assertMessage("pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\nusers: users-bad.properties\n",
                ":4: key 'users' cannot be read as a users file (");
    }
}
