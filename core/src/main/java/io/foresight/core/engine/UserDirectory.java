package io.foresight.core.engine;

import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Who a pool's users are, from configuration: team, tier and whether policy lets the user run on spot
 * capacity. Behaviour (pattern, needs) is learned by the {@link Profiler}; these are facts an operator
 * sets. A properties file:
 * <pre>
 * default.team=research          # users not listed
 * default.tier=STANDARD
 * default.spot=false
 * user.dc1-vm17.team=web
 * user.dc1-vm17.tier=PREMIUM
 * user.dc1-vm17.spot=false
 * </pre>
 */
public final class UserDirectory {
    /** What a user not listed is, when nothing is configured. */
    public static final UserDirectory DEFAULTS = new UserDirectory(new Entry("default", Tier.STANDARD, false), Map.of());

    /** The configured facts of one user. */
    public record Entry(String team, Tier tier, boolean spot) {
        public Entry {
            Objects.requireNonNull(team, "team");
            Objects.requireNonNull(tier, "tier");
            if (team.isBlank()) {
                throw new IllegalArgumentException("team must not be blank");
            }
        }
    }

    private final Entry defaults;
    private final Map<String, Entry> users;

    public UserDirectory(Entry defaults, Map<String, Entry> users) {
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.users = Map.copyOf(users);
    }

    public Entry entry(String user) {
        return users.getOrDefault(user, defaults);
    }

    public Entry defaults() {
        return defaults;
    }

    /** The profile of a user nothing has been learned about yet: configured team, tier and spot, pattern UNKNOWN. */
    public UserProfile base(String user) {
        Entry e = entry(user);
        return new UserProfile(user, e.team(), e.tier(), io.foresight.core.model.Pattern.UNKNOWN, 0.0, e.spot(),
                io.foresight.core.model.ResourceVector.ZERO, 0, 0);
    }

    /** Reads a directory file (format in the class comment); a bad key or value fails naming the line's key and the fix. */
    public static UserDirectory load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read user directory " + file + ": " + e.getMessage()
                    + ". Fix: point users.file at a readable properties file", e);
        }
        return parse(p, file.toString());
    }

    static UserDirectory parse(Properties p, String source) {
        String team = p.getProperty("default.team", DEFAULTS.defaults.team()).trim();
        Tier tier = tier(p.getProperty("default.tier", DEFAULTS.defaults.tier().name()), source, "default.tier");
        boolean spot = bool(p.getProperty("default.spot", Boolean.toString(DEFAULTS.defaults.spot())), source, "default.spot");
        Entry def = new Entry(team, tier, spot);
        Map<String, String[]> raw = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("default.")) {
                if (!key.equals("default.team") && !key.equals("default.tier") && !key.equals("default.spot")) {
                    throw new IllegalArgumentException(source + ": unknown key '" + key
                            + "'. Fix: use default.team, default.tier or default.spot");
                }
                continue;
            }
            int dot = key.lastIndexOf('.');
            if (!key.startsWith("user.") || dot <= "user.".length()) {
                throw new IllegalArgumentException(source + ": unknown key '" + key
                        + "'. Fix: use user.<id>.team, user.<id>.tier or user.<id>.spot");
            }
            String user = key.substring("user.".length(), dot);
            String field = key.substring(dot + 1);
            int i = switch (field) {
                case "team" -> 0;
                case "tier" -> 1;
                case "spot" -> 2;
                default -> throw new IllegalArgumentException(source + ": unknown field '" + field + "' in '" + key
                        + "'. Fix: use team, tier or spot");
            };
            raw.computeIfAbsent(user, u -> new String[3])[i] = p.getProperty(key).trim();
        }
        Map<String, Entry> users = new TreeMap<>();
        raw.forEach((user, f) -> users.put(user, new Entry(
                f[0] == null ? def.team() : f[0],
                f[1] == null ? def.tier() : tier(f[1], source, "user." + user + ".tier"),
                f[2] == null ? def.spot() : bool(f[2], source, "user." + user + ".spot"))));
        return new UserDirectory(def, users);
    }

    private static Tier tier(String v, String source, String key) {
        try {
            return Tier.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + key + "=" + v + " is not a tier. Fix: use one of "
                    + Arrays.toString(Tier.values()));
        }
    }

    private static boolean bool(String v, String source, String key) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException(source + ": " + key + "=" + v + " is not a boolean. Fix: use true or false");
        }
        return s.equals("true");
    }
}
