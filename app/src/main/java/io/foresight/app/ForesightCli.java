package io.foresight.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `foresight` command line: one subcommand per job, each in its own class. */
@Command(name = "foresight",
        mixinStandardHelpOptions = true,
        version = "foresight 0.1.0",
        description = "Predictive per-user resource allocation control plane.",
        subcommands = {
            CommandLine.HelpCommand.class,
            io.foresight.app.stack.StackCommand.class,
            EnvCommand.class,
            WorkerCommand.class,
            DemoCommand.class,
            ApproveCommand.class,
            LoopCommand.class,
            ReplayCommand.class,
            ProfileCommand.class,
            EvaluateCommand.class,
            DataCommand.class,
            TrainCommand.class,
            RulesCommand.class,
            DecisionsCommand.class,
            AnomaliesCommand.class,
            BacktestCommand.class,
            BenchCommand.class,
        })
public final class ForesightCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ForesightCli())
                .setExecutionExceptionHandler(ForesightCli::oneLineError)
                .execute(args);
        System.exit(code);
    }

    /** Expected failures (bad input, unreachable service) print one line naming cause and fix, no stack trace. */
    private static int oneLineError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println("foresight: " + e.getMessage());
        if (System.getenv("FORESIGHT_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
        return 2;
    }
}
