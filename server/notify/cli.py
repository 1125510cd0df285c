"""`flask notify-deliver`: send queued WeChat messages whose retry time has come."""

from __future__ import annotations

import click


@click.command("notify-deliver")
def deliver_command() -> None:
    """Deliver due outbox messages once (run it from a timer, e.g. every minute)."""
    from server.notify.services import deliver_due

    counts = deliver_due()
    click.echo(f"已发送 {counts['sent']}，待重试 {counts['pending']}，失败 {counts['failed']}")
