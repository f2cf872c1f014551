package io.foresight.core.model;

import java.util.List;
import java.util.Objects;

/**
 * One run of a program (a job) by a user: the "program execution history" Foresight learns from.
 * Comes from job logs (SWF) or from the ingestion API.
 *
 * @param jobId       unique id within its source
 * @param user        the user who ran it
 * @param group       the user's group, or null if unknown
 * @param program     executable / application name, or null if unknown
 * @param queue       queue or partition, or null if unknown
 * @param submitTime  Unix seconds the job was submitted
 * @param startTime   Unix seconds it started (>= submitTime)
 * @param endTime     Unix seconds it ended (>= startTime)
 * @param resources   what it used while running, in {@link Resource} units (NaN = not recorded)
 * @param status      how it ended
 * @param dependsOn   ids of jobs it waited for (empty if none or unknown)
 */
public record ExecutionRecord(String jobId, String user, String group, String program, String queue,
                              long submitTime, long startTime, long endTime, ResourceVector resources,
                              Status status, List<String> dependsOn) {

    /** How a job ended (SWF status codes: 1 completed, 0 failed, 5 cancelled, 2-4 partial, -1 unknown). */
    public enum Status {
        COMPLETED, FAILED, CANCELLED, PARTIAL, UNKNOWN;

        public static Status ofSwf(int code) {
            return switch (code) {
                case 1 -> COMPLETED;
                case 0 -> FAILED;
                case 5 -> CANCELLED;
                case 2, 3, 4 -> PARTIAL;
                default -> UNKNOWN;
            };
        }
    }

    public ExecutionRecord {
        requireText(jobId, "jobId");
        requireText(user, "user");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(status, "status");
        dependsOn = List.copyOf(Objects.requireNonNull(dependsOn, "dependsOn"));
        if (startTime < submitTime) {
            throw new IllegalArgumentException("job " + jobId + ": startTime " + startTime + " is before submitTime " + submitTime);
        }
        if (endTime < startTime) {
            throw new IllegalArgumentException("job " + jobId + ": endTime " + endTime + " is before startTime " + startTime);
        }
    }

    private static void requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    public long waitSeconds() { return startTime - submitTime; }
    public long runSeconds() { return endTime - startTime; }
}
