-- Databases for the services that share the PostgreSQL instance (Temporal's auto-setup creates its own).
CREATE DATABASE mlflow;
-- MLflow's basic-auth app keeps its users and permissions here.
CREATE DATABASE mlflow_auth;
-- The control loop's shared state store (state.store=postgresql; docs/loop.md).
CREATE DATABASE foresight_state;
