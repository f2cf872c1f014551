package io.foresight.collect.store;

import io.foresight.core.model.InteractionEvent;
import io.foresight.core.trace.UserSeries;
import java.util.List;

/**
 * What a control loop reads of the ingestion store: its users, their usage on the loop's grid and their interaction
 * events. The embedded store answers in process ({@link TimeSeriesStore}); a loop on another host reads the same
 * through the ingestion API ({@code io.foresight.collect.api.IngestClient}), because DuckDB lets one process hold the
 * file.
 */
public interface StoreView {
    /** The users with any usage sample, in id order. */
    List<String> users();

    /** One user's usage over [from, to), averaged into steps of {@code step} seconds, NaN where nothing was observed. */
    UserSeries series(String user, long from, long to, int step);

    /** Interaction events of one user in [fromMillis, toMillis). */
    List<InteractionEvent> events(String user, long fromMillis, long toMillis);
}
