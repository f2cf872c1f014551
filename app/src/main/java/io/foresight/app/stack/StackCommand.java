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
        @picocli.CommandLine.Option(names = "--started-file",
                description = "Write the names of the services this call started to FILE (for 'down --only').")
        java.nio.file.Path startedFile;

        @Override
        public Integer call() throws java.io.IOException {
            LocalStack stack = new LocalStack(FsConfig.load(), System.out);
            java.util.List<String> started = stack.up();
            if (startedFile != null) {
                java.nio.file.Files.write(startedFile, started);
            }
            System.out.println("logs: " + stack.logsDir());
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop exactly the services 'up' started.")
    static final class Down implements Callable<Integer> {
        @picocli.CommandLine.Option(names = "--only",
                description = "Stop only the services named in FILE (written by 'up --started-file').")
        java.nio.file.Path only;

        @Override
        public Integer call() throws java.io.IOException {
            LocalStack stack = new LocalStack(FsConfig.load(), System.out);
            if (only != null) {
                stack.down(java.nio.file.Files.exists(only) ? java.nio.file.Files.readAllLines(only) : java.util.List.of());
            } else {
                stack.down();
            }
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
