package io.foresight.collect.store;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything one write commits atomically: usage series, execution records, interaction events
 * and the quarantined records rejected on the way. Built with {@link #builder(String)}.
 */
public final class WriteBatch {
    private final String source;
    private final List<UserSeries> usage;
    private final List<ExecutionRecord> executions;
    private final List<InteractionEvent> events;
    private final List<QuarantinedRecord> quarantine;

    private WriteBatch(Builder b) {
        this.source = b.source;
        this.usage = List.copyOf(b.usage);
        this.executions = List.copyOf(b.executions);
        this.events = List.copyOf(b.events);
        this.quarantine = List.copyOf(b.quarantine);
    }

    /** @param source where the data came from (e.g. "bitbrains", "swf", "api"), kept with every row */
    public static Builder builder(String source) {
        return new Builder(source);
    }

    public String source() { return source; }
    public List<UserSeries> usage() { return usage; }
    public List<ExecutionRecord> executions() { return executions; }
    public List<InteractionEvent> events() { return events; }
    public List<QuarantinedRecord> quarantine() { return quarantine; }

    /** Rows this batch writes (usage counts one row per user and step). */
    public long rows() {
        long n = executions.size() + events.size() + quarantine.size();
        for (UserSeries s : usage) {
            n += s.size();
        }
        return n;
    }

    public static final class Builder {
        private final String source;
        private final List<UserSeries> usage = new ArrayList<>();
        private final List<ExecutionRecord> executions = new ArrayList<>();
        private final List<InteractionEvent> events = new ArrayList<>();
        private final List<QuarantinedRecord> quarantine = new ArrayList<>();

        private Builder(String source) {
            Objects.requireNonNull(source, "source");
            if (source.isBlank()) {
                throw new IllegalArgumentException("source must not be blank");
            }
            this.source = source;
        }

        public Builder usage(java.util.Collection<UserSeries> s) { usage.addAll(s); return this; }
        public Builder executions(java.util.Collection<ExecutionRecord> r) { executions.addAll(r); return this; }
        public Builder events(java.util.Collection<InteractionEvent> e) { events.addAll(e); return this; }
        public Builder quarantine(java.util.Collection<QuarantinedRecord> q) { quarantine.addAll(q); return this; }

        public WriteBatch build() {
            return new WriteBatch(this);
        }
    }
}
