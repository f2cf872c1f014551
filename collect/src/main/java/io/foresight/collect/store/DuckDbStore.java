package io.foresight.collect.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default store: one DuckDB database file (columnar, no server, Parquet export
 * built in; see docs/store.md). Thread-safe by serialising on the single connection, which is
 * what DuckDB's single-writer model wants anyway.
 */
public final class DuckDbStore implements TimeSeriesStore {
    private static final Logger log = LoggerFactory.getLogger(DuckDbStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TABLES = {"usage", "executions", "events", "quarantine"};

    /** How the store is opened. Use {@link #defaults(Path)} and the withers. */
    public record Options(Path file, boolean readOnly, int writeAttempts, Duration retryBackoff, String memoryLimit) {
        public Options {
            Objects.requireNonNull(file, "file");
            if (writeAttempts < 1) {
                throw new IllegalArgumentException("writeAttempts must be >= 1, got " + writeAttempts);
            }
            Objects.requireNonNull(retryBackoff, "retryBackoff");
            Objects.requireNonNull(memoryLimit, "memoryLimit");
        }

        /** Read-write, 3 attempts 200 ms apart (doubling), 1 GB DuckDB memory limit. */
        public static Options defaults(Path file) {
            return new Options(file, false, 3, Duration.ofMillis(200), "1GB");
        }

        public Options readOnly(boolean ro) { return new Options(file, ro, writeAttempts, retryBackoff, memoryLimit); }
        public Options retries(int attempts, Duration backoff) { return new Options(file, readOnly, attempts, backoff, memoryLimit); }
        public Options memoryLimit(String limit) { return new Options(file, readOnly, writeAttempts, retryBackoff, limit); }
    }

    private final Options options;
    private final DuckDBConnection conn;

    private DuckDbStore(Options options, DuckDBConnection conn) {
        this.options = options;
        this.conn = conn;
    }

    /** Opens (creating if needed) the store in {@code file}. */
    public static DuckDbStore open(Path file) {
        return open(Options.defaults(file));
    }

    public static DuckDbStore open(Options o) {
        Objects.requireNonNull(o, "options");
        try {
            Path parent = o.file().toAbsolutePath().getParent();
            if (!o.readOnly() && parent != null) {
                Files.createDirectories(parent);
            }
            if (o.readOnly() && !Files.exists(o.file())) {
                throw new StoreException("store " + o.file() + " does not exist. Fix: load data first (foresight data load)");
            }
            Properties p = new Properties();
            if (o.readOnly()) {
                p.setProperty("duckdb.read_only", "true");
            }
            DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + o.file().toAbsolutePath(), p);
            try (Statement st = c.createStatement()) {
                st.execute("SET memory_limit='" + o.memoryLimit().replace("'", "") + "'");
                if (!o.readOnly()) {
                    createSchema(st);
                }
            }
            return new DuckDbStore(o, c);
        } catch (SQLException | java.io.IOException e) {
            throw new StoreException("cannot open DuckDB store " + o.file() + ": " + e.getMessage()
                    + ". Fix: check the path is writable and not opened by another process", e);
        }
    }

    private static void createSchema(Statement st) throws SQLException {
        st.execute("CREATE TABLE IF NOT EXISTS usage (source VARCHAR NOT NULL, user_id VARCHAR NOT NULL, ts BIGINT NOT NULL,"
                + " step_s INTEGER NOT NULL, cpu DOUBLE, memory DOUBLE, network DOUBLE, disk DOUBLE,"
                + " cpu_cap DOUBLE, memory_cap DOUBLE, network_cap DOUBLE, disk_cap DOUBLE)");
        st.execute("CREATE TABLE IF NOT EXISTS executions (source VARCHAR NOT NULL, job_id VARCHAR NOT NULL,"
                + " user_id VARCHAR NOT NULL, group_id VARCHAR, program VARCHAR, queue VARCHAR, submit_ts BIGINT NOT NULL,"
                + " start_ts BIGINT NOT NULL, end_ts BIGINT NOT NULL, cpu DOUBLE, memory DOUBLE, network DOUBLE, disk DOUBLE,"
                + " status VARCHAR NOT NULL, depends_on VARCHAR[])");
        st.execute("CREATE TABLE IF NOT EXISTS _stage_executions AS SELECT * FROM executions LIMIT 0");
        st.execute("CREATE TABLE IF NOT EXISTS events (source VARCHAR NOT NULL, kind VARCHAR NOT NULL, user_id VARCHAR NOT NULL,"
                + " ts_ms BIGINT NOT NULL, attributes VARCHAR NOT NULL)");
        st.execute("CREATE TABLE IF NOT EXISTS quarantine (source VARCHAR NOT NULL, line BIGINT, user_id VARCHAR,"
                + " reason VARCHAR NOT NULL, raw VARCHAR, recorded_at TIMESTAMP DEFAULT current_timestamp)");
    }

    public Options options() { return options; }

    // ---------------------------------------------------------------- writes

    @Override
    public synchronized long write(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        SQLException last = null;
        long backoff = options.retryBackoff().toMillis();
        for (int attempt = 1; attempt <= options.writeAttempts(); attempt++) {
            try {
                return writeOnce(batch);
            } catch (SQLException | RuntimeException e) {
                last = e instanceof SQLException se ? se : new SQLException(e.getMessage(), e);
                rollbackQuietly();
                log.warn("write of {} rows from {} failed (attempt {}/{}): {}", batch.rows(), batch.source(),
                        attempt, options.writeAttempts(), e.getMessage());
                if (attempt < options.writeAttempts()) {
                    sleep(backoff);
                    backoff *= 2;
                }
            }
        }
        throw new StoreWriteException("could not write " + batch.rows() + " rows from source '" + batch.source()
                + "' to DuckDB store " + options.file() + " after " + options.writeAttempts() + " attempts: "
                + last.getMessage() + ". Nothing of this batch was committed; the caller still holds it."
                + " Fix: check the store is open, writable (not read-only) and the disk has space, then resend",
                batch.rows(), last);
    }

    private long writeOnce(WriteBatch b) throws SQLException {
        if (conn.isClosed()) {
            throw new SQLException("the store connection is closed");
        }
        conn.setAutoCommit(false);
        try {
            long rows = 0;
            rows += writeUsage(b.source(), b.usage());
            rows += writeExecutions(b.source(), b.executions());
            rows += writeEvents(b.source(), b.events());
            rows += writeQuarantine(b.quarantine());
            conn.commit();
            return rows;
        } finally {
            if (!conn.isClosed()) {
                conn.setAutoCommit(true);
            }
        }
    }

    private long writeUsage(String source, List<UserSeries> series) throws SQLException {
        if (series.isEmpty()) {
            return 0;
        }
        // Replace what is already stored for these users' windows: loads are idempotent.
        try (PreparedStatement del = conn.prepareStatement(
                "DELETE FROM usage WHERE source = ? AND user_id = ? AND ts >= ? AND ts <= ?")) {
            for (UserSeries s : series) {
                if (s.size() == 0) {
                    continue;
                }
                del.setString(1, source);
                del.setString(2, s.user());
                del.setLong(3, s.timestamp(0));
                del.setLong(4, s.timestamp(s.size() - 1));
                del.addBatch();
            }
            del.executeBatch();
        }
        long n = 0;
        try (DuckDBAppender a = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "usage")) {
            for (UserSeries s : series) {
                double[][] u = new double[Resource.COUNT][];
                double[][] c = new double[Resource.COUNT][];
                for (Resource r : Resource.values()) {
                    u[r.ordinal()] = s.usageColumn(r);
                    c[r.ordinal()] = s.capacityColumn(r);
                }
                for (int i = 0; i < s.size(); i++) {
                    if (Double.isNaN(u[0][i]) && Double.isNaN(u[1][i]) && Double.isNaN(u[2][i]) && Double.isNaN(u[3][i])) {
                        continue; // not observed: nothing to store, reads return NaN for it
                    }
                    a.beginRow().append(source).append(s.user()).append(s.timestamp(i)).append(s.stepSeconds());
                    for (int r = 0; r < Resource.COUNT; r++) {
                        appendDouble(a, u[r][i]);
                    }
                    for (int r = 0; r < Resource.COUNT; r++) {
                        appendDouble(a, c[r][i]);
                    }
                    a.endRow();
                    n++;
                }
            }
            a.flush();
        }
        return n;
    }

    private static void appendDouble(DuckDBAppender a, double v) throws SQLException {
        if (Double.isNaN(v)) {
            a.appendNull();
        } else {
            a.append(v);
        }
    }

    private static void appendNullable(DuckDBAppender a, String v) throws SQLException {
        if (v == null) {
            a.appendNull();
        } else {
            a.append(v);
        }
    }

    private long writeExecutions(String source, List<ExecutionRecord> records) throws SQLException {
        if (records.isEmpty()) {
            return 0;
        }
        try (Statement st = conn.createStatement()) {
            st.execute("DELETE FROM _stage_executions");
        }
        try (DuckDBAppender a = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "_stage_executions")) {
            for (ExecutionRecord r : records) {
                a.beginRow().append(source).append(r.jobId()).append(r.user());
                appendNullable(a, r.group());
                appendNullable(a, r.program());
                appendNullable(a, r.queue());
                a.append(r.submitTime()).append(r.startTime()).append(r.endTime());
                for (double v : r.resources().toArray()) {
                    appendDouble(a, v);
                }
                a.append(r.status().name()).append(r.dependsOn());
                a.endRow();
            }
            a.flush();
        }
        try (Statement st = conn.createStatement()) {
            // The same job id again replaces the stored record (resends are idempotent).
            st.execute("DELETE FROM executions WHERE (source, job_id) IN (SELECT source, job_id FROM _stage_executions)");
            st.execute("INSERT INTO executions SELECT DISTINCT ON (source, job_id) * FROM _stage_executions");
            st.execute("DELETE FROM _stage_executions");
        }
        return records.size();
    }

    private long writeEvents(String source, List<InteractionEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        try (DuckDBAppender a = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "events")) {
            for (InteractionEvent e : events) {
                a.beginRow().append(source).append(e.kind().wireName()).append(e.user()).append(e.timestampMillis())
                        .append(toJson(e.attributes())).endRow();
            }
            a.flush();
        }
        return events.size();
    }

    private long writeQuarantine(List<QuarantinedRecord> records) throws SQLException {
        if (records.isEmpty()) {
            return 0;
        }
        java.time.LocalDateTime now = java.time.LocalDateTime.now(java.time.ZoneOffset.UTC);
        try (DuckDBAppender a = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "quarantine")) {
            for (QuarantinedRecord q : records) {
                a.beginRow();
                appendNullable(a, q.source());
                a.append(q.line());
                appendNullable(a, q.user());
                appendNullable(a, q.reason());
                appendNullable(a, q.raw());
                a.append(now).endRow();
            }
            a.flush();
        }
        return records.size();
    }

    private static String toJson(Map<String, String> m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("attributes are not serialisable", e);
        }
    }

    private void rollbackQuietly() {
        try {
            if (!conn.isClosed() && !conn.getAutoCommit()) {
                conn.rollback();
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            log.debug("rollback failed: {}", e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public synchronized UserSeries series(String user, long from, long to, int step) {
        Objects.requireNonNull(user, "user");
        int slots = slots(from, to, step);
        // average within a source, then add sources up: one user's demand seen by two sources is their sum
        String sql = "SELECT b, sum(cpu), sum(memory), sum(network), sum(disk), sum(cpu_cap), sum(memory_cap),"
                + " sum(network_cap), sum(disk_cap) FROM (SELECT source, (ts - ?) // ? AS b, avg(cpu) cpu, avg(memory) memory,"
                + " avg(network) network, avg(disk) disk, avg(cpu_cap) cpu_cap, avg(memory_cap) memory_cap,"
                + " avg(network_cap) network_cap, avg(disk_cap) disk_cap FROM usage"
                + " WHERE user_id = ? AND ts >= ? AND ts < ? GROUP BY source, b) GROUP BY b ORDER BY b";
        return query(sql, user, from, step, slots, ps -> {
            ps.setLong(1, from);
            ps.setLong(2, step);
            ps.setString(3, user);
            ps.setLong(4, from);
            ps.setLong(5, to);
        });
    }

    @Override
    public synchronized UserSeries poolTotals(long from, long to, int step) {
        int slots = slots(from, to, step);
        String sql = "SELECT b, sum(cpu), sum(memory), sum(network), sum(disk), sum(cpu_cap), sum(memory_cap),"
                + " sum(network_cap), sum(disk_cap) FROM (SELECT source, user_id, (ts - ?) // ? AS b, avg(cpu) cpu,"
                + " avg(memory) memory, avg(network) network, avg(disk) disk, avg(cpu_cap) cpu_cap, avg(memory_cap) memory_cap,"
                + " avg(network_cap) network_cap, avg(disk_cap) disk_cap FROM usage WHERE ts >= ? AND ts < ?"
                + " GROUP BY source, user_id, b) GROUP BY b ORDER BY b";
        return query(sql, "pool", from, step, slots, ps -> {
            ps.setLong(1, from);
            ps.setLong(2, step);
            ps.setLong(3, from);
            ps.setLong(4, to);
        });
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private UserSeries query(String sql, String user, long from, int step, int slots, Binder binder) {
        long[] ts = new long[slots];
        double[][] u = new double[Resource.COUNT][slots];
        double[][] c = new double[Resource.COUNT][slots];
        for (int r = 0; r < Resource.COUNT; r++) {
            Arrays.fill(u[r], Double.NaN);
            Arrays.fill(c[r], Double.NaN);
        }
        for (int i = 0; i < slots; i++) {
            ts[i] = from + (long) i * step;
        }
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int b = (int) rs.getLong(1);
                    for (int r = 0; r < Resource.COUNT; r++) {
                        u[r][b] = nan(rs, 2 + r);
                        c[r][b] = nan(rs, 2 + Resource.COUNT + r);
                    }
                }
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return new UserSeries(user, step, ts, u, c);
    }

    private static double nan(ResultSet rs, int col) throws SQLException {
        double v = rs.getDouble(col);
        return rs.wasNull() ? Double.NaN : v;
    }

    private static int slots(long from, long to, int step) {
        if (step <= 0) {
            throw new IllegalArgumentException("step must be positive, got " + step);
        }
        if (to <= from) {
            throw new IllegalArgumentException("empty window: to (" + to + ") must be after from (" + from + ")");
        }
        long n = (to - from + step - 1) / step;
        if (n > 10_000_000) {
            throw new IllegalArgumentException("window of " + n + " steps is too large: use a larger step or a shorter window");
        }
        return (int) n;
    }

    @Override
    public synchronized Map<String, UserSeries> latest(long windowSeconds, int step) {
        if (windowSeconds <= 0) {
            throw new IllegalArgumentException("windowSeconds must be positive, got " + windowSeconds);
        }
        int slots = slots(0, windowSeconds, step);
        // one scan for all users: each user's window ends at the end of its own last sample
        String sql = "WITH ends AS (SELECT user_id, max(ts + step_s) AS e FROM usage GROUP BY user_id),"
                + " per_source AS (SELECT u.user_id, e.e - ? AS w0, (u.ts - (e.e - ?)) // ? AS b, avg(cpu) cpu, avg(memory) memory,"
                + " avg(network) network, avg(disk) disk, avg(cpu_cap) cpu_cap, avg(memory_cap) memory_cap,"
                + " avg(network_cap) network_cap, avg(disk_cap) disk_cap FROM usage u JOIN ends e ON u.user_id = e.user_id"
                + " WHERE u.ts >= e.e - ? AND u.ts < e.e GROUP BY u.user_id, u.source, e.e, b)"
                + " SELECT user_id, w0, b, sum(cpu), sum(memory), sum(network), sum(disk), sum(cpu_cap), sum(memory_cap),"
                + " sum(network_cap), sum(disk_cap) FROM per_source GROUP BY user_id, w0, b ORDER BY user_id, b";
        Map<String, UserSeries> out = new LinkedHashMap<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setLong(1, windowSeconds);
            ps.setLong(2, windowSeconds);
            ps.setLong(3, step);
            ps.setLong(4, windowSeconds);
            try (ResultSet rs = ps.executeQuery()) {
                String user = null;
                long[] ts = null;
                double[][] u = null;
                double[][] c = null;
                while (rs.next()) {
                    String id = rs.getString(1);
                    if (!id.equals(user)) {
                        if (user != null) {
                            out.put(user, new UserSeries(user, step, ts, u, c));
                        }
                        user = id;
                        long w0 = rs.getLong(2);
                        ts = new long[slots];
                        for (int i = 0; i < slots; i++) {
                            ts[i] = w0 + (long) i * step;
                        }
                        u = new double[Resource.COUNT][slots];
                        c = new double[Resource.COUNT][slots];
                        for (int r = 0; r < Resource.COUNT; r++) {
                            Arrays.fill(u[r], Double.NaN);
                            Arrays.fill(c[r], Double.NaN);
                        }
                    }
                    int b = (int) rs.getLong(3);
                    for (int r = 0; r < Resource.COUNT; r++) {
                        u[r][b] = nan(rs, 4 + r);
                        c[r][b] = nan(rs, 4 + Resource.COUNT + r);
                    }
                }
                if (user != null) {
                    out.put(user, new UserSeries(user, step, ts, u, c));
                }
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized List<UserStats> userStats(long from, long to) {
        String sql = "SELECT user_id, count(*), avg(cpu), avg(memory), avg(network), avg(disk),"
                + " max(cpu), max(memory), max(network), max(disk) FROM usage WHERE ts >= ? AND ts < ?"
                + " GROUP BY user_id ORDER BY user_id";
        List<UserStats> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new UserStats(rs.getString(1), rs.getLong(2),
                            ResourceVector.of(nan(rs, 3), nan(rs, 4), nan(rs, 5), nan(rs, 6)),
                            ResourceVector.of(nan(rs, 7), nan(rs, 8), nan(rs, 9), nan(rs, 10))));
                }
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized List<String> users() {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT user_id FROM usage ORDER BY user_id")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized List<ExecutionRecord> executions(String user, long from, long to) {
        String sql = "SELECT job_id, user_id, group_id, program, queue, submit_ts, start_ts, end_ts, cpu, memory, network, disk,"
                + " status, depends_on FROM executions WHERE start_ts >= ? AND start_ts < ?"
                + (user == null ? "" : " AND user_id = ?") + " ORDER BY start_ts, source, job_id";
        List<ExecutionRecord> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            if (user != null) {
                ps.setString(3, user);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> deps = new ArrayList<>();
                    Array arr = rs.getArray(14);
                    if (arr != null) {
                        for (Object o : (Object[]) arr.getArray()) {
                            deps.add(String.valueOf(o));
                        }
                    }
                    out.add(new ExecutionRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                            ResourceVector.of(nan(rs, 9), nan(rs, 10), nan(rs, 11), nan(rs, 12)),
                            ExecutionRecord.Status.valueOf(rs.getString(13)), deps));
                }
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized List<InteractionEvent> events(String user, long fromMillis, long toMillis) {
        String sql = "SELECT kind, user_id, ts_ms, attributes FROM events WHERE ts_ms >= ? AND ts_ms < ?"
                + (user == null ? "" : " AND user_id = ?") + " ORDER BY ts_ms";
        List<InteractionEvent> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setLong(1, fromMillis);
            ps.setLong(2, toMillis);
            if (user != null) {
                ps.setString(3, user);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, String> attrs = JSON.readValue(rs.getString(4), new TypeReference<Map<String, String>>() {});
                    out.add(new InteractionEvent(InteractionEvent.Kind.parse(rs.getString(1)), rs.getString(2), rs.getLong(3), attrs));
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized List<QuarantinedRecord> quarantined(String source, int limit) {
        String sql = "SELECT source, line, user_id, reason, raw FROM quarantine"
                + (source == null ? "" : " WHERE source = ?") + " ORDER BY recorded_at, source, line LIMIT ?";
        List<QuarantinedRecord> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int i = 1;
            if (source != null) {
                ps.setString(i++, source);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new QuarantinedRecord(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Statement st = conn.createStatement()) {
            for (String t : TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t)) {
                    rs.next();
                    out.put(t, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
        return out;
    }

    @Override
    public synchronized Map<Path, Long> exportParquet(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Map<Path, Long> out = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            try (Statement st = conn.createStatement()) {
                for (String t : TABLES) {
                    Path f = dir.resolve(t + ".parquet").toAbsolutePath();
                    String order = t.equals("usage") ? " ORDER BY user_id, ts" : "";
                    st.execute("COPY (SELECT * FROM " + t + order + ") TO '" + f.toString().replace("'", "''")
                            + "' (FORMAT PARQUET, COMPRESSION ZSTD)");
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + f.toString().replace("'", "''") + "')")) {
                        rs.next();
                        out.put(f, rs.getLong(1));
                    }
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw new StoreException("Parquet export to " + dir + " failed: " + e.getMessage()
                    + ". Fix: check the directory is writable", e);
        }
        return out;
    }

    private StoreException readFailed(Exception e) {
        return new StoreException("query on DuckDB store " + options.file() + " failed: " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        try {
            if (!conn.isClosed()) {
                conn.close();
            }
        } catch (SQLException e) {
            throw new StoreException("closing DuckDB store " + options.file() + " failed: " + e.getMessage(), e);
        }
    }
}
