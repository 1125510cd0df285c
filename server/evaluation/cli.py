"""`flask evaluation …`: the four highs, the monthly workbook and the briefing, offline."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from server.errors import DomainError

evaluation_cli = AppGroup("evaluation", help="评价研判：四高指标、月度报表、专报")


def _unit_id(unit_code: str | None) -> int:
    from sqlalchemy import select

    from server.extensions import db
    from server.sites.models import Unit

    stmt = select(Unit.id).where(Unit.code == unit_code) if unit_code else \
        select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.sort_order, Unit.id)
    unit_id = db.session.scalar(stmt.limit(1))
    if unit_id is None:
        raise click.UsageError(f"找不到行政单元：{unit_code or '（根单元）'}")
    return int(unit_id)


def _period(month: str | None, start: str | None, end: str | None) -> object:
    from server.evaluation.periods import make_period, month_period

    if month:
        year, number = (int(x) for x in month.split("-"))
        return month_period(year, number)
    return make_period(date.fromisoformat(start) if start else None,
                       date.fromisoformat(end) + timedelta(days=1) if end else None)


_unit_option = click.option("--unit-code", help="行政单元编码（默认：全区）")
_month_option = click.option("--month", help="月份，如 2025-03（优先于 --start/--end）")
_start_option = click.option("--start", help="开始日期（含），如 2025-03-01")
_end_option = click.option("--end", help="结束日期（含）")


@evaluation_cli.command("figures")
@_unit_option
@_month_option
@_start_option
@_end_option
def figures_command(unit_code: str | None, month: str | None, start: str | None,
                    end: str | None) -> None:
    """Print a unit's four highs and counters as JSON."""
    from server.evaluation.dashboard import unit_figures

    try:
        result = unit_figures(_unit_id(unit_code), _period(month, start, end))  # type: ignore[arg-type]
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@evaluation_cli.command("report")
@_unit_option
@_month_option
@_start_option
@_end_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="输出文件：.xlsx 为月度报表，.pdf 为专报")
def report_command(unit_code: str | None, month: str | None, start: str | None,
                   end: str | None, output: str) -> None:
    """Write the workbook (.xlsx) or the briefing (.pdf) of a unit and period."""
    from server.evaluation.reports import report_file

    fmt = "pdf" if output.lower().endswith(".pdf") else "xlsx"
    try:
        data, _mimetype, _name = report_file(_unit_id(unit_code),
                                             _period(month, start, end), fmt)  # type: ignore[arg-type]
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    Path(output).write_bytes(data)
    click.echo(f"已写入 {output}（{len(data)} 字节）")
