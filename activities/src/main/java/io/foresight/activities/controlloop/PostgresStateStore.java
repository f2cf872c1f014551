package io.foresight.activities.controlloop;

import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.feedback.Anomaly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The {@link StateStore} in PostgreSQL, for control workers on several hosts: each worker keeps only caches in its
 * own local directory, and any worker can run any step of any cycle because every reference and log lives here.
 *
 * <p>Tables (created at first use, under an advisory lock so two workers starting together do not race):
 * {@code foresight_refs(ref PRIMARY KEY, body)}, {@code foresight_decisions(pool, cycle, user_id PRIMARY KEY,
 * record)}, {@code foresight_anomalies(key PRIMARY KEY, user_id, at, record)}, {@code
 * foresight_profile_versions(pool, user_id, version PRIMARY KEY, record)}. Every write is one statement keyed like
 * the file store's ({@link StateStore}): {@code INSERT ... ON CONFLICT} replaces a reference or a decision and
 * ignores an anomaly or profile version it already has, so a retried activity, or one re-run after its worker
 * was killed, leaves one row per key.
 *
 * <p>Connections are pooled per worker; one that broke (PostgreSQL restarted) is dropped and the statement tried
 * once more on a fresh one. When PostgreSQL cannot be reached the call throws {@link StateStoreException} naming
 * the address, the cause and the fix: the activity fails and the workflow holds the cycle.
 */
public final class PostgresStateStore implements StateStore {
    /**
     * Where the store is.
     *
     * @param url      {@code jdbc:postgresql://HOST:PORT/DATABASE}
     * @param user     login role
     * @param password its password (never printed)
     */
    public record Settings(String url, String user, String password) {
        public Settings {
            Objects.requireNonNull(url, "url");
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException("state.store.url must look like jdbc:postgresql://HOST:PORT/DATABASE, got '"
                        + url + "'. Fix: set state.store.url (FORESIGHT_STATE_STORE_URL)");
            }
            Objects.requireNonNull(user, "user");
            password = password == null ? "" : password;
        }

        @Override
        public String toString() {
            return "Settings[url=" + url + ", user=" + user + "]"; // no password in logs
        }
    }

    /** Seconds to wait for a connection, and for one statement: a hung server fails the activity, not the worker. */
    static final int CONNECT_TIMEOUT_S = 15;
    static final int STATEMENT_TIMEOUT_S = 30;
    private static final int MAX_IDLE = 8;

    private final Settings settings;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

    private PostgresStateStore(Settings settings) {
        this.settings = settings;
    }

    /** Connects and creates the tables if needed; a one-line {@link StateStoreException} if PostgreSQL cannot be used. */
    public static PostgresStateStore open(Settings settings) {
        PostgresStateStore s = new PostgresStateStore(Objects.requireNonNull(settings, "settings"));
        s.createTables();
        return s;
    }

    @Override
    public String describe() {
        return "PostgreSQL at " + address();
    }

    private String address() {
        String a = settings.url().substring("jdbc:postgresql://".length());
        int q = a.indexOf('?');
        return (q < 0 ? a : a.substring(0, q)) + " as " + settings.user();
    }

    private void createTables() {
        run(c -> {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(4711004)"); // one worker creates, the others wait and see them
                st.execute("CREATE TABLE IF NOT EXISTS foresight_refs (ref text PRIMARY KEY, body bytea NOT NULL,"
                        + " written_at timestamptz NOT NULL DEFAULT now())");
                st.execute("CREATE TABLE IF NOT EXISTS foresight_decisions (pool text NOT NULL, cycle bigint NOT NULL,"
                        + " user_id text NOT NULL, seq bigserial, record text NOT NULL, PRIMARY KEY (pool, cycle, user_id))");
                st.execute("CREATE TABLE IF NOT EXISTS foresight_anomalies (key text PRIMARY KEY, seq bigserial,"
                        + " user_id text NOT NULL, at bigint NOT NULL, record text NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS foresight_profile_versions (pool text NOT NULL, user_id text NOT NULL,"
                        + " version bigint NOT NULL, seq bigserial, record text NOT NULL, PRIMARY KEY (pool, user_id, version))");
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
            return null;
        });
    }

    @Override
    public boolean exists(String ref) {
        return run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM foresight_refs WHERE ref = ?")) {
                ps.setString(1, checked(ref));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void writeBytes(String ref, byte[] bytes) {
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO foresight_refs (ref, body) VALUES (?, ?)"
                    + " ON CONFLICT (ref) DO UPDATE SET body = EXCLUDED.body, written_at = now()")) {
                ps.setString(1, checked(ref));
                ps.setBytes(2, bytes);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public byte[] readBytes(String ref) {
        byte[] b = run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT body FROM foresight_refs WHERE ref = ?")) {
                ps.setString(1, checked(ref));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
        if (b == null) {
            throw new UncheckedIOException(new IOException("no " + ref + " in " + describe()
                    + " (written by an earlier step of the cycle?)"));
        }
        return b;
    }

    @Override
    public void deleteTree(String ref) {
        String prefix = checked(ref).endsWith("/") ? ref : ref + "/";
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM foresight_refs WHERE starts_with(ref, ?)")) {
                ps.setString(1, prefix);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void appendDecisions(List<DecisionRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO foresight_decisions (pool, cycle, user_id, record)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (pool, cycle, user_id) DO UPDATE SET record = EXCLUDED.record")) {
                for (DecisionRecord r : records) {
                    ps.setString(1, r.pool());
                    ps.setLong(2, r.cycle());
                    ps.setString(3, r.user());
                    ps.setString(4, DecisionLog.toJson(r));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<DecisionRecord> decisions(String user, int last) {
        String where = user == null ? "" : " WHERE user_id = ?";
        String sql = last > 0
                ? "SELECT record FROM (SELECT record, cycle, seq FROM foresight_decisions" + where
                        + " ORDER BY cycle DESC, seq DESC LIMIT " + last + ") t ORDER BY cycle, seq"
                : "SELECT record FROM foresight_decisions" + where + " ORDER BY cycle, seq";
        return run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (user != null) {
                    ps.setString(1, user);
                }
                List<DecisionRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        try {
                            out.add(DecisionLog.fromJson(rs.getString(1)));
                        } catch (IOException e) {
                            throw new SQLException("malformed decision record in foresight_decisions: " + e.getMessage(), "XX001", e);
                        }
                    }
                }
                return out;
            }
        });
    }

    @Override
    public void appendAnomalies(Collection<Anomaly> anomalies) {
        if (anomalies.isEmpty()) {
            return;
        }
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO foresight_anomalies (key, user_id, at, record)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING")) {
                for (Anomaly a : anomalies) {
                    ps.setString(1, StateStore.anomalyKey(a));
                    ps.setString(2, a.user());
                    ps.setLong(3, a.at());
                    ps.setString(4, json(a));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<Anomaly> anomalies(String user, long since) {
        String sql = "SELECT record FROM foresight_anomalies WHERE at >= ?" + (user == null ? "" : " AND user_id = ?")
                + " ORDER BY seq";
        return run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, since);
                if (user != null) {
                    ps.setString(2, user);
                }
                return list(ps, Anomaly.class);
            }
        });
    }

    @Override
    public void publishProfiles(String pool, List<ProfileState> versions) {
        if (versions.isEmpty()) {
            return;
        }
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO foresight_profile_versions (pool, user_id, version,"
                    + " record) VALUES (?, ?, ?, ?) ON CONFLICT (pool, user_id, version) DO NOTHING")) {
                for (ProfileState p : versions) {
                    ps.setString(1, pool);
                    ps.setString(2, p.user());
                    ps.setLong(3, p.version());
                    ps.setString(4, json(p));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<ProfileState> profileVersions(String pool) {
        return run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT record FROM foresight_profile_versions WHERE pool = ? ORDER BY seq")) {
                ps.setString(1, pool);
                return list(ps, ProfileState.class);
            }
        });
    }

    @Override
    public void check() {
        run(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT count(*) FROM foresight_refs WHERE false");
            }
            return null;
        });
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    // ---- connections ----

    @FunctionalInterface
    private interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T run(Work<T> work) {
        SQLException last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            Connection c;
            try {
                c = borrow(attempt > 0);
            } catch (SQLException e) {
                throw unreachable(e);
            }
            try {
                T out = work.apply(c);
                giveBack(c);
                return out;
            } catch (RuntimeException e) {
                closeQuietly(c); // e.g. a record that does not serialise: the connection may be mid-statement
                throw e;
            } catch (SQLException e) {
                closeQuietly(c);
                last = e;
                if (!brokenConnection(e)) {
                    break; // a statement error: trying again on another connection gives the same answer
                }
            }
        }
        throw brokenConnection(last) ? unreachable(last) : new StateStoreException("state store " + describe()
                + " refused a statement (" + oneLine(last) + "). Fix: check the database and the role's rights", last);
    }

    private Connection borrow(boolean fresh) throws SQLException {
        if (!fresh) {
            Connection c = idle.poll();
            if (c != null) {
                return c;
            }
        }
        Properties p = new Properties();
        p.setProperty("user", settings.user());
        p.setProperty("password", settings.password());
        p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S));
        p.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_S));
        p.setProperty("socketTimeout", Integer.toString(STATEMENT_TIMEOUT_S));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "foresight-control-worker");
        return DriverManager.getConnection(settings.url(), p);
    }

    private void giveBack(Connection c) {
        if (idle.size() < MAX_IDLE) {
            idle.push(c);
        } else {
            closeQuietly(c);
        }
    }

    /** Connection-level trouble (SQLSTATE class 08, or an I/O error under the driver): another connection may work. */
    private static boolean brokenConnection(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }

    private StateStoreException unreachable(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String fix = switch (state) {
            case "28P01", "28000" -> "Fix: set the role's password in state.store.password (FORESIGHT_STATE_STORE_PASSWORD)"
                    + " or state.store.user";
            case "3D000" -> "Fix: create the database (createdb) or correct state.store.url";
            default -> "Fix: start PostgreSQL (./foresight stack up starts the local one when state.store=postgresql) or"
                    + " correct state.store.url (FORESIGHT_STATE_STORE_URL)";
        };
        return new StateStoreException("state store unreachable: " + describe() + " (" + oneLine(e) + "). " + fix, e);
    }

    private static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // a broken connection: nothing left to release
        }
    }

    private static String checked(String ref) {
        if (ref.startsWith("/") || ref.contains("..")) {
            throw new IllegalArgumentException("reference '" + ref + "' must be relative without '..'");
        }
        return ref;
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + o.getClass().getSimpleName(), e);
        }
    }

    private static <T> List<T> list(PreparedStatement ps, Class<T> type) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                try {
                    out.add(JSON.readValue(rs.getString(1), type));
                } catch (IOException e) {
                    throw new SQLException("malformed " + type.getSimpleName() + " record: " + e.getMessage(), "XX001", e);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }
}
