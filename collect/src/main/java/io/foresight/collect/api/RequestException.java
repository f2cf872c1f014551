package io.foresight.collect.api;

/** A request the server refuses as a whole; carries the HTTP status and the offending field. */
final class RequestException extends Exception {
    final int status;
    final String field;

    RequestException(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }
}
