package io.foresight.core.feedback;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/** Where detected anomalies are kept: a JSON-lines file, one {@link Anomaly} a line, appended in time order. */
public final class AnomalyLog {
    private final Path file;

    public AnomalyLog(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    public void append(Collection<Anomaly> anomalies) {
        JsonLines.append(file, anomalies);
    }

    /**
     * @param user  only this user's anomalies (null for all)
     * @param since only anomalies at or after this Unix time (Long.MIN_VALUE for all)
     */
    public List<Anomaly> read(String user, long since) {
        return JsonLines.read(file, Anomaly.class, a -> (user == null || user.equals(a.user())) && a.at() >= since);
    }
}
