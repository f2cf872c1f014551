package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.alloc.AllocationMode;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import com.google.protobuf.ByteString;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Parsing and early errors of each `loop` verb (no Temporal server: everything here fails or returns before connecting). */
class LoopCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ForesightCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("foresight: " + e.getMessage());
                    return 2;
                });
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static <T> T parse(Class<T> type, String... args) {
        CommandLine root = new CommandLine(new ForesightCli());
        CommandLine.ParseResult r = root.parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return type.cast(r.commandSpec().userObject());
    }

    @Test
    void everyVerbHasHelp() {
        for (String verb : List.of("start", "stop", "list", "status", "pause", "resume", "mode", "freeze", "reset")) {
            Run r = run("loop", verb, "--help");
            assertEquals(0, r.code(), verb);
            assertTrue(r.out().contains("Usage: foresight loop " + verb), verb + ": " + r.out());
        }
        Run all = run("loop", "--help");
        for (String verb : List.of("start", "stop", "list", "status", "pause", "resume", "mode", "freeze", "reset")) {
            assertTrue(all.out().contains("  " + verb + " "), verb);
        }
        assertTrue(run("replay", "--help").out().contains("HISTORY.json"));
    }

    @Test
    void optionsParseIntoTheVerbs() {
        assertEquals(Path.of("p.yaml"), parse(LoopCommand.Start.class, "loop", "start", "--pool", "p.yaml").poolFile);
        assertTrue(parse(LoopCommand.Start.class, "loop", "start", "--pool", "p.yaml", "--enforce").enforce);
        assertEquals(AllocationMode.DRY_RUN, parse(LoopCommand.SetMode.class, "loop", "mode", "--pool", "web", "dry-run").mode);
        assertEquals(AllocationMode.ENFORCE, parse(LoopCommand.SetMode.class, "loop", "mode", "--pool", "web", "enforce").mode);
        LoopCommand.Reset reset = parse(LoopCommand.Reset.class, "loop", "reset", "--pool", "web", "--to-cycle", "12");
        assertEquals(12, reset.cycle);
        assertEquals("web", reset.pool);
        LoopCommand.Freeze f = parse(LoopCommand.Freeze.class, "loop", "freeze", "--pool", "web", "--off", "--by", "ann");
        assertTrue(f.off);
        assertEquals("ann", f.by);
        assertTrue(parse(LoopCommand.Stop.class, "loop", "stop", "--pool", "web", "--terminate").terminate);
        assertTrue(parse(LoopCommand.Status.class, "loop", "status", "--pool", "web", "--json").json);
        assertTrue(parse(LoopCommand.ListLoops.class, "loop", "list", "--all").all);
    }

    @Test
    void usageErrorsNameTheProblem() {
        Run noPool = run("loop", "status");
        assertEquals(2, noPool.code());
        assertTrue(noPool.err().contains("Missing required option: '--pool=<pool>'"), noPool.err());
        Run badMode = run("loop", "mode", "--pool", "web", "sometimes");
        assertEquals(2, badMode.code());
        assertTrue(badMode.err().contains("'sometimes' is not a mode. Fix: use dry-run or enforce"), badMode.err());
        Run noCycle = run("loop", "reset", "--pool", "web");
        assertTrue(noCycle.err().contains("--to-cycle"), noCycle.err());
        Run notNumber = run("loop", "reset", "--pool", "web", "--to-cycle", "x");
        assertEquals(2, notNumber.code());
        assertTrue(notNumber.err().contains("'x' is not a long"), notNumber.err());
    }

    @Test
    void startRefusesABadPoolFileBeforeConnectingToTemporal() throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, "pool: a\nsorce: trace:x\n");
        Run r = run("loop", "start", "--pool", f.toString());
        assertEquals(2, r.code());
        assertEquals("foresight: " + f + ":2: key 'sorce' unknown key.", r.err().lines().findFirst().orElseThrow().split(" Fix:")[0]);
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void startRefusesAPrometheusThatIsDown() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, "pool: a\nsource: prometheus:http://127.0.0.1:" + port + "\nprometheus.query.cpu: up\n");
        Run r = run("loop", "start", "--pool", f.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Prometheus at http://127.0.0.1:" + port + " cannot be queried"), r.err());
        assertTrue(r.err().contains("Fix: start it (./foresight stack up) or correct the source URL"), r.err());
    }

    @Test
    void aPoolArgumentThatIsAFileAddressesThePoolItNames() throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, "pool: web-fleet\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\n");
        assertEquals("web-fleet", LoopCommand.poolId(f.toString()));
        assertEquals("web-fleet", LoopCommand.poolId("web-fleet"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoopCommand.poolId(dir.resolve("none.yaml").toString()));
        assertTrue(e.getMessage().contains("no such pool file"));
    }

    static HistoryEvent collect(long id, long taskCompleted, long cycle) {
        String task = "{\"pool\":\"p\",\"dataSource\":\"trace:x\",\"cycle\":" + cycle + ",\"shard\":0,\"shardSize\":500,\"key\":\"p/" + cycle + "/0\"}";
        return HistoryEvent.newBuilder().setEventId(id).setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
                        .setActivityType(ActivityType.newBuilder().setName("Collect"))
                        .setWorkflowTaskCompletedEventId(taskCompleted)
                        .setInput(Payloads.newBuilder().addPayloads(Payload.newBuilder().setData(ByteString.copyFromUtf8(task)))))
                .build();
    }

    @Test
    void resetPointIsTheWorkflowTaskThatScheduledTheCyclesCollect() {
        HistoryEvent other = HistoryEvent.newBuilder().setEventId(9).setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
                        .setActivityType(ActivityType.newBuilder().setName("Predict")).setWorkflowTaskCompletedEventId(8)
                        .setInput(Payloads.newBuilder().addPayloads(Payload.newBuilder().setData(ByteString.copyFromUtf8("{\"cycle\":1}")))))
                .build();
        List<HistoryEvent> events = List.of(collect(5, 4, 0), other, collect(20, 19, 1), collect(21, 19, 1), collect(40, 38, 2));
        assertEquals(4, LoopCommand.resetPoint(events, 0));
        assertEquals(19, LoopCommand.resetPoint(events, 1));
        assertEquals(38, LoopCommand.resetPoint(events, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoopCommand.resetPoint(events, 7));
        assertEquals("cycle 7 is not in the loop's current run (it holds cycles 0..2). Fix: pass a cycle of the current run; "
                + "earlier runs closed with continue-as-new", e.getMessage());
    }

    @Test
    void replayOfABrokenFileIsOneLine() throws Exception {
        Path f = dir.resolve("h.json");
        Files.writeString(f, "{not json");
        Run r = run("replay", f.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("foresight: " + f + ": not a Temporal history"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void replayOfARecordedControlLoopHistoryIsOk() throws Exception {
        Path h = Path.of("..", "workflows", "src", "test", "resources", "histories", "control-loop-v2-pool-policy.json");
        String r = ReplayCommand.replay(h);
        assertTrue(r.startsWith("OK ("), r);
        // the same history with a collect's activity type renamed no longer matches the code: non-determinism
        String broken = Files.readString(h).replace("\"Collect\"", "\"Gather\"");
        Path b = dir.resolve("broken.json");
        Files.writeString(b, broken);
        String nd = ReplayCommand.replay(b);
        assertTrue(nd.startsWith("NON-DETERMINISTIC: "), nd);
        assertFalse(nd.contains("\n"), nd);
    }

    @Test
    void statusListsEachWorkersShardsAsRanges() {
        assertEquals("2 workers; foresight-control@a: 0-2, 5; foresight-control@b: 3-4, 6",
                LoopCommand.workers(java.util.Map.of(0, "foresight-control@a", 1, "foresight-control@a", 2, "foresight-control@a",
                        5, "foresight-control@a", 3, "foresight-control@b", 4, "foresight-control@b", 6, "foresight-control@b")));
        assertEquals("1 worker; q: 7", LoopCommand.workers(java.util.Map.of(7, "q")));
    }
}
