package io.foresight.mlflow;

/** An MLflow call failed (server down, rejected request, missing artifact); the message names the call. */
public class MlflowException extends RuntimeException {
    public MlflowException(String message) {
        super(message);
    }

    public MlflowException(String message, Throwable cause) {
        super(message, cause);
    }
}
