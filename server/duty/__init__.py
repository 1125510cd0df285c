"""Members' duty record (委员履职档案): events as they happen, scores, shortfalls, export."""
