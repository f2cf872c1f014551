package io.foresight.core.trace;

import io.foresight.core.model.InteractionEvent;

/**
 * The interaction events of one user in one interval (start inclusive, end exclusive), counted per kind: what the
 * ingestion API recorded of the user's API calls, UI actions and configuration changes. They happen before the usage
 * they lead to, so the engine reads them as a leading signal ({@link io.foresight.core.engine.EventSignal}).
 */
public record EventCounts(int apiCalls, int uiActions, int configChanges) {
    public static final EventCounts NONE = new EventCounts(0, 0, 0);

    public EventCounts {
        if (apiCalls < 0 || uiActions < 0 || configChanges < 0) {
            throw new IllegalArgumentException("event counts must not be negative, got " + apiCalls + "/" + uiActions
                    + "/" + configChanges);
        }
    }

    /** The count of one kind. */
    public int of(InteractionEvent.Kind kind) {
        return switch (kind) {
            case API_CALL -> apiCalls;
            case UI_ACTION -> uiActions;
            case CONFIG_CHANGE -> configChanges;
        };
    }
}
