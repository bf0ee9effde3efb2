"""The payments service's deployment: queues, functions, API, database access, packaging."""
