package io.foresight.activities.controlloop;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.feedback.Anomaly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;

/**
 * Everything the control loop keeps between activities and cycles, behind one interface: the bulk data of a cycle
 * (usage, forecasts, plans, decisions, outcomes) and the state that outlives it (planner memory, profiles, team
 * ledger, drift and headroom state) addressed by relative references, plus the three logs readers query (the
 * audit trail of decisions, the anomaly log and the published profile versions).
 *
 * <p>Every write is idempotent by its key, so a retried activity never duplicates: a reference is overwritten
 * whole (the key is the plan id, {@code pools/<pool>/cycles/<cycle>/<step>-s<shard>.json}); a decision record is
 * keyed by its change id (pool, cycle, user; the last write wins), an anomaly by (user, resource, time, kind), a
 * profile version by (pool, user, version).
 *
 * <p>Two implementations: {@link FileStateStore} (a local state directory, the default: one worker host, or
 * several sharing a file system) and {@link PostgresStateStore} (several worker hosts, each with its own local
 * directory). A store that cannot be reached throws {@link StateStoreException} with a one-line cause and fix;
 * the loop treats that like any failed activity (the cycle holds, nothing is applied, {@code loop status} says why).
 */
public interface StateStore extends AutoCloseable {
    /** How references' values are serialised (Jackson on the activities' package-private records). */
    ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            // doubles are most of a cycle's bytes: the fast (still exact, round-tripping) writer and parser made
            // JSON's share of a 10,000-user cycle's CPU profile smaller (bench loop, see the README)
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    /** Where the state lives, for logs and errors (never a password). */
    String describe();

    boolean exists(String ref);

    /** Replaces the value under {@code ref} atomically: a reader sees the old or the new bytes, never a mix. */
    void writeBytes(String ref, byte[] bytes);

    /** The bytes under {@code ref}; a missing reference is an error naming it. */
    byte[] readBytes(String ref);

    /** Deletes every reference under the folder {@code ref} (old cycles); missing is fine. */
    void deleteTree(String ref);

    /** Appends to the audit trail; a record whose change id is there already replaces it (a retried policy check). */
    void appendDecisions(List<DecisionRecord> records);

    /**
     * @param user only this user's records (null: all)
     * @param last only the newest {@code last} (0 or less: all); oldest first, one record per change id
     */
    List<DecisionRecord> decisions(String user, int last);

    /** Appends found anomalies to the anomaly log. */
    void appendAnomalies(Collection<Anomaly> anomalies);

    /**
     * @param user  only this user's anomalies (null for all)
     * @param since only anomalies at or after this Unix time
     */
    List<Anomaly> anomalies(String user, long since);

    /** Publishes new profile versions of a pool's users (read by {@code foresight profile} and the demo). */
    void publishProfiles(String pool, List<ProfileState> versions);

    /** Every published version of the pool's profiles, oldest first, one per (user, version). */
    List<ProfileState> profileVersions(String pool);

    /** Checks that the store can be read and written now; a one-line {@link StateStoreException} if not. */
    void check();

    @Override
    default void close() {}

    default void write(String ref, Object value) {
        try {
            writeBytes(ref, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + ref, e);
        }
    }

    default <T> T read(String ref, Class<T> type) {
        byte[] bytes = readBytes(ref);
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + ref + " in " + describe() + ": " + e.getMessage(), e);
        }
    }

    /** The folder of one cycle's bulk data (deleted whole once the cycle is older than the retention). */
    static String cycleDir(String pool, long cycle) {
        return "pools/" + pool + "/cycles/" + String.format(java.util.Locale.ROOT, "%08d", cycle);
    }

    /** The key of an anomaly in the log: a retried monitor finds the same ones. */
    static String anomalyKey(Anomaly a) {
        return a.user() + "|" + a.resource() + "|" + a.at() + "|" + a.kind();
    }
}
