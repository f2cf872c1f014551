package io.foresight.rules.bench;

import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.policy.DecisionOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Keeps each cycle's decision records in a file ({@code DIR/<pool>/<cycle>.jsonl}, written atomically)
 * and hands out a small {@link PlanReference} for them, so workflow history stays bounded however
 * many users a pool has. Loading checks the digest, so a reference never silently reads a different plan.
 */
public final class PlanStore {
    private final Path dir;

    public PlanStore(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    public PlanReference save(String pool, long cycle, List<DecisionRecord> records) {
        StringBuilder sb = new StringBuilder();
        int changes = 0;
        int waiting = 0;
        int denied = 0;
        for (DecisionRecord r : records) {
            sb.append(DecisionLog.toJson(r)).append('\n');
            if (!r.allowed().equals(r.current())) {
                changes++;
            }
            if (r.outcome() == DecisionOutcome.WAITING_APPROVAL) {
                waiting++;
            } else if (r.outcome() == DecisionOutcome.DENIED) {
                denied++;
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        String planId = safe(pool) + "/" + cycle;
        Path file = fileOf(planId);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store plan " + planId + " under " + dir + ": " + e.getMessage(), e);
        }
        return new PlanReference(pool, cycle, planId, records.size(), changes, waiting, denied, sha256(bytes));
    }

    public List<DecisionRecord> load(PlanReference ref) {
        Path file = fileOf(ref.planId());
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (!sha256(bytes).equals(ref.sha256())) {
                throw new IllegalStateException("plan file " + file + " does not match its reference (digest differs): "
                        + "it was rewritten after the reference was made");
            }
            List<DecisionRecord> out = new ArrayList<>(ref.users());
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    out.add(DecisionLog.fromJson(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load plan " + ref.planId() + " from " + file + ": " + e.getMessage(), e);
        }
    }

    private Path fileOf(String planId) {
        return dir.resolve(planId + ".jsonl");
    }

    private static String safe(String pool) {
        return pool.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
