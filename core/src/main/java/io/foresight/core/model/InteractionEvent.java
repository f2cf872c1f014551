package io.foresight.core.model;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Something a user did that hints at coming demand: an API call, a UI action, a configuration
 * change. Attributes are free-form strings (e.g. endpoint, dashboard, changed key).
 *
 * @param timestampMillis Unix milliseconds
 */
public record InteractionEvent(Kind kind, String user, long timestampMillis, Map<String, String> attributes) {

    public enum Kind {
        API_CALL, UI_ACTION, CONFIG_CHANGE;

        /** The wire name: api_call, ui_action, config_change. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String s) {
            Objects.requireNonNull(s, "kind");
            for (Kind k : values()) {
                if (k.wireName().equals(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown kind '" + s + "': use one of api_call, ui_action, config_change");
        }
    }

    public InteractionEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(user, "user");
        if (user.isBlank()) {
            throw new IllegalArgumentException("user must not be blank");
        }
        attributes = java.util.Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(attributes, "attributes")));
    }
}
