"""The stage's data plane: KMS keys, Aurora PostgreSQL, RDS Proxy and backups."""
