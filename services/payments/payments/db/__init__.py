"""PostgreSQL access: Lambda-friendly connections and the schema migration runner."""
