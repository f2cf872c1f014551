package io.foresight.collect.source;

/** Prometheus could not be reached or refused a query; the message names the query, the cause and the fix. */
public final class PrometheusException extends RuntimeException {
    public PrometheusException(String message) {
        super(message);
    }

    public PrometheusException(String message, Throwable cause) {
        super(message, cause);
    }
}
