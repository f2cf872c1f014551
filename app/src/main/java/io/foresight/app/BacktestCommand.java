package io.foresight.app;

import io.foresight.core.eval.Backtest;
import io.foresight.core.eval.BacktestPoints;
import io.foresight.core.eval.TrainingWindow;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.eval.BacktestJob;
import io.foresight.spark.pipeline.TrainingRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code foresight backtest}: MAE, RMSE, MASE and coverage of every forecaster on the dev traces. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Rolling-origin backtest of every forecaster (and the pattern classifiers) on Bitbrains traces.")
public final class BacktestCommand implements Callable<Integer> {
    static final Path SLICE = Path.of("data/bitbrains-slice");
    static final Path SHARED = Path.of(System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data"), "bitbrains-rnd");

    @Option(names = "--data", split = ",", paramLabel = "FILE",
            description = "Bitbrains CSV files (default: data/bitbrains-slice if present, else $FORESIGHT_DATA_FULL_DIR/bitbrains-rnd, default ../shared/data)")
    List<Path> data;

    @Option(names = "--users", defaultValue = "20", description = "Users to evaluate, first in file order (0 = all; default ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--out", description = "Directory for the trained models and metrics (default: a new temp directory)")
    Path out;

    @Option(names = "--holdout-days", defaultValue = "2", description = "Days at the end held back for evaluation (default ${DEFAULT-VALUE})")
    int holdoutDays;

    @Option(names = "--horizon", defaultValue = "12", description = "Forecast steps (default ${DEFAULT-VALUE} = 1 h at 5 min)")
    int horizon;

    @Option(names = "--sample", defaultValue = "1.0", description = "Share of rows the GBT trains on (default ${DEFAULT-VALUE})")
    double sample;

    @Option(names = "--stride", defaultValue = "36",
            description = "Steps between origins (default ${DEFAULT-VALUE} = 3 h, the gate's protocol; 1 or 2 measures each step's coverage at every time of day)")
    int stride;

    @Option(names = "--export-points", paramLabel = "DIR",
            description = "Also write the series and the origins the backtest scores (series.csv, origins.csv) for bench/peers")
    Path exportPoints;

    @Option(names = "--calendar", defaultValue = "on", paramLabel = "on|off",
            description = "off: the GBT families train with the calendar features (time of day, day of week, weekend) held"
                    + " constant, to measure what they are worth (default ${DEFAULT-VALUE})")
    String calendar;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Override
    public Integer call() throws IOException {
        List<Path> files = data != null && !data.isEmpty() ? data : defaultData();
        Path dir = out != null ? out : Files.createTempDirectory("foresight-backtest");
        TrainingRequest req = TrainingRequest.of(files, dir, seed).withMaxUsers(users).withSampleFraction(sample)
                .withHoldoutDays(holdoutDays).withHorizon(horizon).withGbtIterations(20).withStride(stride)
                .withCalendar(onOff("--calendar", calendar));
        System.out.println("backtest on " + files + " (" + (users == 0 ? "all" : users) + " users), models in " + dir);
        if (exportPoints != null) {
            Trace trace = BitbrainsReader.read(files, users == 0 ? Integer.MAX_VALUE : users);
            long evalFrom = TrainingWindow.end(trace) - holdoutDays * 86_400L;
            long n = BacktestPoints.write(trace.users().values(),
                    new Backtest.Config(horizon, stride, evalFrom, Backtest.Config.rolling(horizon, evalFrom).minHistory()), exportPoints);
            System.out.println(n + " origins and their series written to " + exportPoints);
        }
        System.out.print(BacktestJob.run(req).format());
        return 0;
    }

    static boolean onOff(String option, String value) {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(option + " '" + value + "': use on or off");
        };
    }

    static List<Path> defaultData() throws IOException {
        Path dir = Files.isDirectory(SLICE) ? SLICE : SHARED;
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no trace found in " + SLICE + " or " + SHARED
                    + ". Fix: pass --data FILE[,FILE] with Bitbrains CSV files");
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().matches(".*\\.csv(\\.gz)?")).sorted().forEach(files::add);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dir + " has no .csv or .csv.gz file. Fix: pass --data FILE[,FILE]");
        }
        return BitbrainsReader.paths(String.join(",", files.stream().map(Path::toString).toList()));
    }
}
