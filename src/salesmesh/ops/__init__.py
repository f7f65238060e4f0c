"""Operations: the health check, request-id structured logs, SQLite backup and restore."""
