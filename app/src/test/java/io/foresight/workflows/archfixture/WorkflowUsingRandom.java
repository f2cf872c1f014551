package io.foresight.workflows.archfixture;

/** Workflow code drawing randomness, one way per nested class (ArchitectureTest proves the rule catches each). */
public final class WorkflowUsingRandom {
    private WorkflowUsingRandom() {}

    public static class NewRandom {
        int draw() {
            return new java.util.Random(1).nextInt();
        }
    }

    public static class MathRandom {
        double draw() {
            return Math.random();
        }
    }

    public static class RandomUuid {
        Object draw() {
            return java.util.UUID.randomUUID();
        }
    }

    public static class NewSecureRandom {
        int draw() {
            return new java.security.SecureRandom().nextInt();
        }
    }

    public static class ThreadLocal {
        int draw() {
            return java.util.concurrent.ThreadLocalRandom.current().nextInt();
        }
    }
}
