package io.foresight.app.stack;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code foresight stack up|down|status}. */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Start, stop or inspect the local stack (Temporal + UI, MLflow, Prometheus) on 127.0.0.1.",
        subcommands = {StackCommand.Up.class, StackCommand.Down.class, StackCommand.Status.class})
public final class StackCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Install (first time) and start the services; idempotent.")
    static final class Up implements Callable<Integer> {
        @Override
        public Integer call() {
            LocalStack stack = new LocalStack(FsConfig.load(), System.out);
            stack.up();
            System.out.println("logs: " + stack.logsDir());
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop exactly the services 'up' started.")
    static final class Down implements Callable<Integer> {
        @Override
        public Integer call() {
            new LocalStack(FsConfig.load(), System.out).down();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show each service's state; exit 1 unless all are healthy.")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() {
            return new LocalStack(FsConfig.load(), System.out).status() ? 0 : 1;
        }
    }
}
