-- Databases for the services that share the PostgreSQL instance (Temporal's auto-setup creates its own).
CREATE DATABASE mlflow;
