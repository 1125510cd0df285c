"""`flask meetings …`: housekeeping of consultation meetings."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.meetings.process import persist_command

meetings_cli = AppGroup("meetings", help="协商议事活动")


@meetings_cli.command("close-expired")
def close_expired_command() -> None:
    """Close polls whose countdown ran out and finish failed freezes (run it every minute)."""
    from server.meetings.expiry import close_expired_polls

    counts = close_expired_polls()
    click.echo(f"已结束 {counts['closed']} 项表决，补冻结 {counts['frozen']} 项，"
               f"待重试 {counts['waiting']} 项")

meetings_cli.add_command(persist_command)
