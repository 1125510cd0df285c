"""`flask supervision sweep`: raise the overdue warnings due now (cron or a systemd timer)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

supervision_cli = AppGroup("supervision", help="指导督查：超时预警巡检")


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"无法识别的时间：{value}（请用 ISO 格式）") from exc
    if when.tzinfo is None:
        from server.common.text import SHANGHAI

        when = when.replace(tzinfo=SHANGHAI)  # a bare time is read as Beijing time
    return when.astimezone(UTC)


@supervision_cli.command("sweep")
@click.option("--now", "now_text", default=None,
              help="pretend the time is this (ISO 8601; without a zone: Beijing time)")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
def sweep_command(now_text: str | None, as_json: bool) -> None:
    """Raise each due warning once and notify; safe to run every minute, even twice at once."""
    from server.supervision.sweep import sweep

    result = sweep(_parse_now(now_text))
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    raised = result.raised
    click.echo(f"检查 {result.checked} 个期限：新增蓝色 {raised['blue']}、黄色 {raised['yellow']}、"
               f"红色 {raised['red']} 条预警，发出 {result.notified} 条通知，"
               f"解除 {result.cleared} 条")
