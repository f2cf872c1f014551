package io.foresight.rules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the policy rules come from: the bundled ones, or a directory policy authors edit. A directory
 * is re-read on {@link #refresh()} (the gate calls it at every check): if any file's content changed,
 * the new files are validated and swapped in; if they have errors, the last good rules stay active
 * and the problems (file, line, message) are kept in {@link #lastRejected()}.
 *
 * <p>Directory layout: {@code *.drl} anywhere below DIR (except DIR/tests, build output such as
 * target/ and hidden folders such as .git/), and optionally the thresholds file of the pool kind
 * ({@link PoolKind#thresholdsFile()}: {@code thresholds.json} for a VM fleet, {@code thresholds-batch.json}
 * for a batch cluster; the first one found, preferring DIR/); without one, the bundled thresholds of
 * that kind apply. The rules are the same for every kind; a repository holds the thresholds of one kind.
 */
public final class PolicyRepository {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyRepository.class);
    static final String BUNDLE = "/io/foresight/rules/policy/";

    private final Path dir;
    private final PoolKind kind;
    private volatile PolicyRuleSet current;
    private volatile List<RuleProblem> lastRejected = List.of();
    private volatile String lastRejectedFingerprint;

    private PolicyRepository(Path dir, PoolKind kind, PolicyRuleSet initial) {
        this.dir = dir;
        this.kind = kind;
        this.current = initial;
    }

    /** The rules shipped in the jar with the VM-fleet thresholds. */
    public static PolicyRepository bundled() {
        return bundled(PoolKind.VM_FLEET);
    }

    /** The rules shipped in the jar with the bundled thresholds of {@code kind}. */
    public static PolicyRepository bundled(PoolKind kind) {
        Objects.requireNonNull(kind, "kind");
        Sources s = bundledSources(kind);
        return new PolicyRepository(null, kind, PolicyRuleSet.build("bundled", s.drls, s.thresholdsName, s.thresholds, s.fingerprint()));
    }

    /**
     * Rules from {@code dir} with the VM-fleet thresholds, which must be valid at start.
     *
     * @throws PolicyLoadException if they are not
     */
    public static PolicyRepository fromDirectory(Path dir) {
        return fromDirectory(dir, PoolKind.VM_FLEET);
    }

    /**
     * Rules from {@code dir} with the thresholds of {@code kind} (its file in dir, else the bundled one),
     * which must be valid at start.
     *
     * @throws PolicyLoadException if they are not
     */
    public static PolicyRepository fromDirectory(Path dir, PoolKind kind) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(kind, "kind");
        return new PolicyRepository(dir, kind, load(dir, kind));
    }

    /** {@code dir} if non-null, else the bundled rules (VM-fleet thresholds). */
    public static PolicyRepository of(Path dir) {
        return of(dir, PoolKind.VM_FLEET);
    }

    /** {@code dir} if non-null, else the bundled rules, with the thresholds of {@code kind}. */
    public static PolicyRepository of(Path dir, PoolKind kind) {
        return dir == null ? bundled(kind) : fromDirectory(dir, kind);
    }

    /** Environment variable naming the rules directory; unset or blank means the bundled rules. */
    public static final String RULES_DIR_ENV = "FORESIGHT_RULES_DIR";

    /** The rules directory named by {@value #RULES_DIR_ENV} in {@code env}, else the bundled rules (VM fleet). */
    public static PolicyRepository configured(Map<String, String> env) {
        return configured(env, PoolKind.VM_FLEET);
    }

    /** The rules directory named by {@value #RULES_DIR_ENV} in {@code env}, else the bundled rules, for {@code kind}. */
    public static PolicyRepository configured(Map<String, String> env, PoolKind kind) {
        String d = env.get(RULES_DIR_ENV);
        return d == null || d.isBlank() ? bundled(kind) : fromDirectory(Path.of(d), kind);
    }

    /** The same rules (bundle or directory) with the thresholds of another pool kind. */
    public PolicyRepository forKind(PoolKind other) {
        return other == kind ? this : of(dir, other);
    }

    /** The pool kind whose thresholds this repository holds. */
    public PoolKind kind() {
        return kind;
    }

    /** The rules directory, or null for the bundled rules. */
    public Path directory() {
        return dir;
    }

    /**
     * Validates a directory without keeping anything: the rules with the VM-fleet thresholds, and the
     * thresholds file of every other pool kind the directory has. Returns the VM-fleet set.
     *
     * @throws PolicyLoadException listing every problem found
     */
    public static PolicyRuleSet validate(Path dir) {
        List<RuleProblem> problems = new java.util.ArrayList<>();
        PolicyRuleSet vm = null;
        try {
            vm = load(dir, PoolKind.VM_FLEET);
        } catch (PolicyLoadException e) {
            problems.addAll(e.problems());
        }
        for (PoolKind k : PoolKind.values()) {
            if (k == PoolKind.VM_FLEET) {
                continue;
            }
            Sources s = readDirectory(dir, k);
            if (s.thresholdsName().startsWith("bundled ")) {
                continue; // not in the directory: the bundled file is tested with the jar
            }
            try {
                io.foresight.rules.policy.PolicyThresholds.parse(s.thresholds());
            } catch (io.foresight.rules.policy.PolicyThresholds.InvalidThresholdsException e) {
                problems.add(new RuleProblem(s.thresholdsName(), e.line(), e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyLoadException(dir.toString(), problems);
        }
        return vm;
    }

    /** Which thresholds a repository of {@code kind} built from dir would use: a file in dir, or "bundled ...". */
    public static String readThresholdsName(Path dir, PoolKind kind) {
        return readDirectory(dir, kind).thresholdsName();
    }

    /** Validates a directory for one pool kind (rules and that kind's thresholds). */
    public static PolicyRuleSet validate(Path dir, PoolKind kind) {
        return load(dir, kind);
    }

    public PolicyRuleSet current() {
        return current;
    }

    /** Problems of the last rejected reload (empty if the last change was accepted). */
    public List<RuleProblem> lastRejected() {
        return lastRejected;
    }

    /**
     * Reloads if the directory's files changed. Cheap when nothing changed (hashes a few small files).
     *
     * @return true if new rules were swapped in
     */
    public synchronized boolean refresh() {
        if (dir == null) {
            return false;
        }
        Sources s;
        try {
            s = readDirectory(dir, kind);
        } catch (UncheckedIOException e) {
            LOG.warn("cannot read policy directory {}: {}; keeping the rules loaded from {}", dir, e.getMessage(),
                    current.source());
            return false;
        }
        String fp = s.fingerprint();
        if (fp.equals(current.fingerprint())) {
            // back to the active files (e.g. a bad edit was reverted): nothing is rejected any more
            lastRejected = List.of();
            lastRejectedFingerprint = null;
            return false;
        }
        if (fp.equals(lastRejectedFingerprint)) {
            return false;
        }
        try {
            current = PolicyRuleSet.build(dir.toString(), s.drls, s.thresholdsName, s.thresholds, fp);
            lastRejected = List.of();
            lastRejectedFingerprint = null;
            LOG.info("policy rules reloaded from {} ({} rules)", dir, current.ruleNames().size());
            return true;
        } catch (PolicyLoadException e) {
            lastRejected = e.problems();
            lastRejectedFingerprint = fp;
            LOG.error("{}; the previous rules stay active", e.getMessage());
            return false;
        }
    }

    private static PolicyRuleSet load(Path dir, PoolKind kind) {
        Sources s = readDirectory(dir, kind);
        return PolicyRuleSet.build(dir.toString(), s.drls, s.thresholdsName, s.thresholds, s.fingerprint());
    }

    /** File name → content, in name order, plus the thresholds. */
    record Sources(Map<String, String> drls, String thresholdsName, String thresholds) {
        String fingerprint() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                for (var e : drls.entrySet()) {
                    md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                }
                md.update(String.valueOf(thresholdsName).getBytes(StandardCharsets.UTF_8));
                md.update(String.valueOf(thresholds).getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static Sources readDirectory(Path dir, PoolKind kind) {
        if (!Files.isDirectory(dir)) {
            throw new PolicyLoadException(dir.toString(), List.of(new RuleProblem(dir.toString(), 0,
                    "not a directory; give the directory holding the *.drl files")));
        }
        Map<String, String> drls = new TreeMap<>();
        Path thresholds = null;
        try {
            for (Path p : policyFiles(dir)) {
                String name = p.getFileName().toString();
                if (name.endsWith(".drl")) {
                    drls.put(dir.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
                } else if (name.equals(kind.thresholdsFile())
                        && (thresholds == null || p.getParent().equals(dir))) {
                    thresholds = p;
                }
            }
            if (thresholds != null) {
                return new Sources(drls, dir.relativize(thresholds).toString(),
                        Files.readString(thresholds, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy directory " + dir + ": " + e.getMessage(), e);
        }
        Sources b = bundledSources(kind);
        return new Sources(drls, "bundled " + kind.thresholdsFile(), b.thresholds);
    }

    /**
     * Folders never read as policy: build output (a Maven build copies every DRL into target/, which
     * would make each rule a duplicate), version control and IDE metadata. DIR/tests holds test cases.
     */
    static final java.util.Set<String> SKIPPED_FOLDERS = java.util.Set.of("target", "build", "out", "node_modules");

    /** The regular files below dir that may be policy files, in path order, skipping {@link #SKIPPED_FOLDERS}. */
    public static List<Path> policyFiles(Path dir) throws IOException {
        return walk(dir, null);
    }

    /** The folders below dir that are not read as policy (build output, hidden folders), relative to dir. */
    public static List<String> skippedFolders(Path dir) throws IOException {
        List<String> skipped = new java.util.ArrayList<>();
        walk(dir, skipped);
        return skipped;
    }

    private static List<Path> walk(Path dir, List<String> skipped) throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        Path tests = dir.resolve("tests");
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes a) {
                String n = d.getFileName() == null ? "" : d.getFileName().toString();
                boolean skip = !d.equals(dir) && (d.equals(tests) || SKIPPED_FOLDERS.contains(n) || n.startsWith("."));
                if (skip && skipped != null && !d.equals(tests)) {
                    skipped.add(dir.relativize(d) + "/");
                }
                return skip ? java.nio.file.FileVisitResult.SKIP_SUBTREE : java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    out.add(f);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        out.sort(null);
        return out;
    }

    /** Writes the bundled rules and thresholds into {@code dir} (a starting point for policy authors). */
    public static void exportBundled(Path dir) {
        try {
            for (PoolKind k : PoolKind.values()) {
                Sources s = bundledSources(k);
                for (var e : s.drls().entrySet()) {
                    Path p = dir.resolve(e.getKey());
                    Files.createDirectories(p.getParent());
                    Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
                }
                Path t = dir.resolve(s.thresholdsName());
                Files.createDirectories(t.getParent());
                Files.writeString(t, s.thresholds(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write policy files to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The bundled rules with the VM-fleet thresholds. */
    static Sources bundledSources() {
        return bundledSources(PoolKind.VM_FLEET);
    }

    static Sources bundledSources(PoolKind kind) {
        String index = resource("policy-files.txt");
        Map<String, String> drls = new TreeMap<>();
        String thresholds = null;
        for (String line : index.split("\n")) {
            String name = line.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (name.endsWith(".drl")) {
                drls.put(BUNDLE.substring(1) + name, resource(name));
            } else if (name.equals(kind.thresholdsFile())) {
                thresholds = resource(name);
            }
        }
        return new Sources(drls, BUNDLE.substring(1) + kind.thresholdsFile(), thresholds);
    }

    private static String resource(String name) {
        try (InputStream in = PolicyRepository.class.getResourceAsStream(BUNDLE + name)) {
            if (in == null) {
                throw new IllegalStateException("bundled policy file " + BUNDLE + name + " is missing from the rules jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
