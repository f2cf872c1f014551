-- Databases for the services that share the PostgreSQL instance (Temporal's auto-setup creates its own).
CREATE DATABASE mlflow;
-- MLflow's basic-auth app keeps its users and permissions here.
CREATE DATABASE mlflow_auth;
