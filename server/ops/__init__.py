"""Operations: readiness, request ids, structured logs, Prometheus metrics, backups."""
