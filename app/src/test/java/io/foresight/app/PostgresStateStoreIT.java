package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.activities.controlloop.FileStateStore;
import io.foresight.activities.controlloop.PostgresStateStore;
import io.foresight.activities.controlloop.StateStore;
import io.foresight.activities.controlloop.StateStoreException;
import io.foresight.app.stack.TestPostgres;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.feedback.Anomaly;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state-store contract on a real PostgreSQL and on the local files: the same writes give the same reads, and
 * every write is idempotent by its key (a retried activity leaves one record). Then PostgreSQL's failure modes:
 * unreachable at start and gone while running are one-line errors naming cause and fix, and the store works again
 * once the server is back (its pooled connections were cut).
 */
class PostgresStateStoreIT {
    @TempDir
    Path dir;

    static DecisionRecord rec(String user, long cycle, DecisionOutcome o) {
        return DecisionsCommandTest.rec(user, cycle, o);
    }

    static Anomaly anomaly(String user, long at) {
        return new Anomaly(user, Resource.CPU, at, -1, Anomaly.Kind.SPIKE, 4, 1, 0.2, 15, "spike");
    }

    static ProfileState profile(String user, long version) {
        return new ProfileState(user, version, 1795600800L + version, "team-a", Tier.STANDARD, Pattern.BATCH, 0.8, false,
                new double[] {1, 2, 0, 0}, new double[] {1, 2, 0, 0}, Map.of(), "", "", false);
    }

    /** Writes every kind of record twice, as a retried activity would, and checks what a reader sees. */
    static void contract(StateStore s) {
        s.check();
        assertFalse(s.exists("pools/p/cycles/00000001/plan-s0.json"));
        s.writeBytes("pools/p/cycles/00000001/plan-s0.json", "first".getBytes(StandardCharsets.UTF_8));
        s.writeBytes("pools/p/cycles/00000001/plan-s0.json", "second".getBytes(StandardCharsets.UTF_8));
        s.write("pools/p/cycles/00000002/outcome.json", Map.of("cost", 1.5));
        assertArrayEquals("second".getBytes(StandardCharsets.UTF_8), s.readBytes("pools/p/cycles/00000001/plan-s0.json"));
        assertEquals(1.5, s.read("pools/p/cycles/00000002/outcome.json", Map.class).get("cost"));
        s.deleteTree("pools/p/cycles/00000001");
        assertFalse(s.exists("pools/p/cycles/00000001/plan-s0.json"));
        assertTrue(s.exists("pools/p/cycles/00000002/outcome.json"), "deleting a cycle keeps the others");
        assertThrows(RuntimeException.class, () -> s.readBytes("pools/p/none.json"));

        // the audit trail: one record per change id, the retry's replaces the first
        s.appendDecisions(List.of(rec("alice", 1, DecisionOutcome.APPROVED), rec("bob", 1, DecisionOutcome.DENIED)));
        s.appendDecisions(List.of(rec("alice", 1, DecisionOutcome.ADJUSTED), rec("bob", 1, DecisionOutcome.DENIED)));
        s.appendDecisions(List.of(rec("alice", 2, DecisionOutcome.APPROVED)));
        List<DecisionRecord> all = s.decisions(null, 0);
        assertEquals(3, all.size(), all.toString());
        assertEquals(DecisionOutcome.ADJUSTED, all.stream().filter(r -> r.user().equals("alice") && r.cycle() == 1)
                .findFirst().orElseThrow().outcome());
        assertEquals(2, s.decisions("alice", 0).size());
        assertEquals(2L, s.decisions(null, 1).get(0).cycle(), "--last 1 is the newest");

        // anomalies and profile versions: a retried monitor / predict adds nothing
        s.appendAnomalies(List.of(anomaly("alice", 100), anomaly("bob", 100)));
        s.appendAnomalies(List.of(anomaly("alice", 100)));
        s.publishProfiles("p", List.of(profile("alice", 1), profile("alice", 2)));
        s.publishProfiles("p", List.of(profile("alice", 2)));
        assertEquals(1, s.anomalies("alice", Long.MIN_VALUE).size());
        assertEquals(2, s.anomalies(null, 0).size());
        assertEquals(List.of(1L, 2L), s.profileVersions("p").stream().map(ProfileState::version).toList());
        assertTrue(s.profileVersions("other").isEmpty());
    }

    @Test
    void postgresKeepsEveryRecordOncePerKey() throws Exception {
        assumeTrue(TestPostgres.available(), "needs PostgreSQL's binaries (apt-get install postgresql)");
        try (TestPostgres pg = TestPostgres.start(dir.resolve("pg"));
             PostgresStateStore s = PostgresStateStore.open(pg.settings())) {
            contract(s);
            assertTrue(s.describe().startsWith("PostgreSQL at 127.0.0.1:" + pg.port() + "/foresight as foresight"), s.describe());
            // a second worker opening the same database sees the first one's state
            try (PostgresStateStore other = PostgresStateStore.open(pg.settings())) {
                assertEquals(3, other.decisions(null, 0).size());
            }

            // gone while running: a one-line error, then the store works again once the server is back
            pg.stop();
            StateStoreException down = assertThrows(StateStoreException.class, () -> s.exists("pools/p/x"));
            assertTrue(down.getMessage().startsWith("state store unreachable: PostgreSQL at 127.0.0.1:" + pg.port()), down.getMessage());
            assertTrue(down.getMessage().contains("Fix: start PostgreSQL"), down.getMessage());
            assertFalse(down.getMessage().contains("\n"), down.getMessage());
            pg.startServer();
            assertTrue(s.exists("pools/p/cycles/00000002/outcome.json"), "reconnects after a restart");
        }
    }

    @Test
    void filesKeepTheSameContract() {
        contract(new FileStateStore(dir.resolve("state")));
    }

    @Test
    void unreachableAtStartIsOneLineNamingCauseAndFix() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        PostgresStateStore.Settings nowhere = new PostgresStateStore.Settings("jdbc:postgresql://127.0.0.1:" + port + "/foresight",
                "foresight", "secret");
        StateStoreException e = assertThrows(StateStoreException.class, () -> PostgresStateStore.open(nowhere));
        assertTrue(e.getMessage().startsWith("state store unreachable: PostgreSQL at 127.0.0.1:" + port + "/foresight as foresight ("),
                e.getMessage());
        assertTrue(e.getMessage().contains("). Fix: start PostgreSQL"), e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("secret"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new PostgresStateStore.Settings("postgres://h/db", "u", "p"));
        assertTrue(bad.getMessage().contains("Fix: set state.store.url"), bad.getMessage());
    }
}
