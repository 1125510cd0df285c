"""`flask audit …`: copy queued resident records from Redis into the audit table."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="审计日志")


@audit_cli.command("drain")
@click.option("--follow", is_flag=True, help="一直运行，定时搬运（可作为常驻进程）")
@click.option("--interval", default=2.0, show_default=True, help="--follow 时的间隔秒数")
def drain_command(follow: bool, interval: float) -> None:
    """Copy queued audit records from the Redis stream into the database."""
    from server.audit.services import drain, queued

    while True:
        moved = drain()
        click.echo(f"已写入 {moved} 条审计记录，队列中还有 {queued()} 条。")
        if not follow:
            return
        time.sleep(interval)
