package io.foresight.workflows.archfixture;

/** Workflow code reading the wall clock, one way per nested class (ArchitectureTest proves the rule catches each). */
public final class WorkflowUsingClock {
    private WorkflowUsingClock() {}

    public static class Millis {
        long now() {
            return System.currentTimeMillis();
        }
    }

    public static class Nanos {
        long now() {
            return System.nanoTime();
        }
    }

    public static class InstantNow {
        Object now() {
            return java.time.Instant.now();
        }
    }

    public static class LocalDateTimeNow {
        Object now() {
            return java.time.LocalDateTime.now();
        }
    }

    public static class NewDate {
        Object now() {
            return new java.util.Date();
        }
    }

    public static class InstantNowReference {
        java.util.function.Supplier<java.time.Instant> clock() {
            return java.time.Instant::now;
        }
    }
}
