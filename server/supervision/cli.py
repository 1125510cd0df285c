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
              help="pretend the time is this (ISO 8601; without a zone: Beijing time); "
                   "a dry run unless --commit is given")
@click.option("--commit", is_flag=True,
              help="with --now: really write the warnings and send the notices")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
def sweep_command(now_text: str | None, commit: bool, as_json: bool) -> None:
    """Raise each due warning once and notify; safe to run every minute, even twice at once.

    With --now it only reports what it would raise (nothing written, nobody notified), so a
    look at the future cannot leave red marks and notices on a live database.
    """
    from server.supervision.sweep import sweep

    if commit and not now_text:
        raise click.UsageError("--commit 只与 --now 一起使用（不带 --now 的巡检本来就会写入）")
    dry_run = bool(now_text) and not commit
    result = sweep(_parse_now(now_text), dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    raised = result.raised
    if dry_run:
        click.echo(f"试运行（--now {now_text}）：未写入任何预警，未发送任何通知；"
                   f"如需真正写入，请加 --commit。")
        click.echo(f"检查 {result.checked} 个期限：将新增蓝色 {raised['blue']}、"
                   f"黄色 {raised['yellow']}、红色 {raised['red']} 条预警，"
                   f"将发出 {result.notified} 条通知")
        return
    click.echo(f"检查 {result.checked} 个期限：新增蓝色 {raised['blue']}、黄色 {raised['yellow']}、"
               f"红色 {raised['red']} 条预警，发出 {result.notified} 条通知，"
               f"解除 {result.cleared} 条")
