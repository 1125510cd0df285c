"""Notifications: an outbox with retries, delivered through WeChat and the site pages."""
