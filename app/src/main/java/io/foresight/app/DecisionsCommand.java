package io.foresight.app;

import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.model.ResourceVector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `foresight decisions`: the audit trail of allocation decisions. */
@Command(name = "decisions", mixinStandardHelpOptions = true,
        description = "Show the audit trail of allocation decisions (newest last).")
public final class DecisionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--user", paramLabel = "U", description = "only this user")
    String user;

    @Option(names = "--last", paramLabel = "N", defaultValue = "20", description = "only the newest N records (0 = all; default ${DEFAULT-VALUE})")
    int last;

    @Option(names = "--log", paramLabel = "FILE",
            description = "decision log (default: the control loop's, <state.dir>/loop/decisions.jsonl)")
    Path log;

    @Option(names = "--json", description = "print the raw JSON lines")
    boolean json;

    static Path defaultLog() {
        return Wiring.loopStateDir(io.foresight.app.stack.FsConfig.load())
                .resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.DECISION_LOG);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<DecisionRecord> records;
        String from;
        io.foresight.app.stack.FsConfig config = io.foresight.app.stack.FsConfig.load();
        if (log == null && "postgresql".equals(config.get("state.store", "files"))) {
            // the audit trail of every worker host sharing the PostgreSQL state store
            try (io.foresight.activities.controlloop.StateStore store = Wiring.stateStore(config)) {
                records = store.decisions(user, last);
                from = store.describe();
            }
        } else {
            Path file = log == null ? defaultLog() : log;
            if (!file.toFile().exists()) {
                throw new IllegalArgumentException("no decision log at " + file + ": run the control loop first or pass --log FILE");
            }
            records = new DecisionLog(file).read(user, last);
            from = file.toString();
        }
        if (json) {
            records.forEach(r -> out.println(DecisionLog.toJson(r)));
            return 0;
        }
        out.printf("%-20s %-6s %-16s %-16s %-7s %-8s %-28s %-28s %10s  %s%n", "time", "cycle", "pool", "user", "mode", "outcome",
                "proposed (cpu/mem/net/disk)", "allowed", "USD/h", "rules fired; messages");
        for (DecisionRecord r : records) {
            out.printf(Locale.ROOT, "%-20s %-6d %-16s %-16s %-7s %-8s %-28s %-28s %+10.4f  %s%s%n",
                    Instant.ofEpochSecond(r.at()).toString(), r.cycle(), r.pool(), r.user(),
                    r.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'), shortOutcome(r),
                    vec(r.proposed()), vec(r.allowed()) + (r.spot() ? " spot" : ""), r.costDeltaPerHour(),
                    String.join(", ", r.firedRules()), r.messages().isEmpty() ? "" : "; " + String.join("; ", r.messages()));
        }
        out.printf("%d record(s) from %s%n", records.size(), from);
        return 0;
    }

    private static String shortOutcome(DecisionRecord r) {
        String o = switch (r.outcome()) {
            case APPROVED -> "approved";
            case ADJUSTED -> "adjusted";
            case DENIED -> "denied";
            case WAITING_APPROVAL -> "waiting";
        };
        return o + (r.applied() ? "*" : "");
    }

    private static String vec(ResourceVector v) {
        return String.format(Locale.ROOT, "%.2f/%.2f/%.0f/%.0f", v.cpu(), v.memory(), v.network(), v.disk());
    }
}
