package io.foresight.core.eval;

import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * Times a full evaluation on real traces and prints wall time per phase and peak heap.
 * Usage: EvaluationBenchmark TRAIN_CSV TEST_CSV [policies] [users]
 */
public final class EvaluationBenchmark {
    private EvaluationBenchmark() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: EvaluationBenchmark TRAIN_CSV[,..] TEST_CSV[,..] [policies] [users]");
            System.exit(2);
        }
        List<String> names = Policies.parse(args.length > 2 ? args[2] : String.join(",", Policies.NAMES));
        int users = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        long t0 = System.nanoTime();
        Trace train = BitbrainsReader.read(BitbrainsReader.paths(args[0]));
        Trace test = BitbrainsReader.read(BitbrainsReader.paths(args[1])).limitUsers(users);
        long t1 = System.nanoTime();
        var settings = Policies.ForesightSettings.defaults();
        Evaluator evaluator = Policies.evaluator(names, train, settings, PolicyGate.PERMISSIVE,
                io.foresight.core.cost.PriceBook.DEFAULT, io.foresight.core.engine.ApprovalModel.NOW,
                Evaluator.Config.defaults(System.err));
        long t2 = System.nanoTime();
        EvaluationResult res = evaluator.run(train, test);
        long t3 = System.nanoTime();
        System.out.print(Summary.table(res, io.foresight.core.cost.PriceBook.DEFAULT));
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        System.out.printf("read %.1f s, fit %.1f s, replay %.1f s (%d users x %d policies, %d threads), peak heap %.0f MiB%n",
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, res.users(), names.size(), 2,
                peak / 1048576.0);
    }
}
