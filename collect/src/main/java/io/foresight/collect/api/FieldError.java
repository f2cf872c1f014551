package io.foresight.collect.api;

/** Why one record of a batch was rejected: the JSON path of the field and what is wrong with it. */
public record FieldError(int index, String field, String reason) {
    String message() {
        return field + ": " + reason;
    }
}
