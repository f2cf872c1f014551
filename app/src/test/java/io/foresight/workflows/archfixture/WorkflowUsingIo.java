package io.foresight.workflows.archfixture;

/** Workflow code doing I/O, one way per nested class (ArchitectureTest proves the rule catches each alone). */
public final class WorkflowUsingIo {
    private WorkflowUsingIo() {}

    public static class ReadsAFile {
        byte[] read() throws java.io.IOException {
            return java.nio.file.Files.readAllBytes(java.nio.file.Path.of("x"));
        }
    }

    public static class OpensAStream {
        Object open() throws java.io.IOException {
            return new java.io.FileInputStream("x");
        }
    }

    public static class CallsTheNetwork {
        Object connect() throws Exception {
            return java.net.URI.create("http://localhost").toURL().openConnection();
        }
    }
}
