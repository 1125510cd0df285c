"""`flask assessment …`: seed the formula's defaults and the checklist, print scores offline."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from server.errors import DomainError

assessment_cli = AppGroup("assessment", help="考评：计分设置、示范点标准、得分与导出")

_period_options = [
    click.option("--year", type=int, help="年份（默认今年）"),
    click.option("--quarter", type=click.IntRange(1, 4), help="季度"),
    click.option("--month", type=click.IntRange(1, 12), help="月份"),
]


def _with_period(command):  # type: ignore[no-untyped-def]
    for option in reversed(_period_options):
        command = option(command)
    return command


def _args(year: int | None, quarter: int | None, month: int | None) -> dict[str, int | None]:
    return {"year": year, "quarter": quarter, "month": month}


@assessment_cli.command("seed")
def seed_command() -> None:
    """Write the default weights and the default checklist items that are missing."""
    from server.assessment.checklist import seed_default_items
    from server.assessment.services import seed_default_settings

    settings, items = seed_default_settings(), seed_default_items()
    click.echo(f"已写入 {settings} 项计分设置、{items} 项示范点标准。")


@assessment_cli.command("scores")
@click.argument("kind", type=click.Choice(["departments", "sites"]))
@_with_period
def scores_command(kind: str, year: int | None, quarter: int | None,
                   month: int | None) -> None:
    """Print the department or site ranking of a period as JSON."""
    from server.assessment import services

    try:
        period, label = services.period_for(_args(year, quarter, month))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    rows = (services.department_scores(period) if kind == "departments"
            else services.site_scores(period))
    click.echo(json.dumps({"period": label, "items": rows}, ensure_ascii=False, indent=2,
                          default=str))


@assessment_cli.command("export")
@_with_period
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def export_command(year: int | None, quarter: int | None, month: int | None,
                   output: str) -> None:
    """Write the assessment workbook (.xlsx) of a period for the whole district."""
    from server.assessment import services
    from server.assessment.reports import workbook_bytes

    try:
        period, label = services.period_for(_args(year, quarter, month))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    env = {"period": {"label": label}}
    data = workbook_bytes({**env, "items": services.department_scores(period)},
                          {**env, "items": services.site_scores(period)},
                          services.demo_shortfall(period.start.year),
                          services.settings_payload())
    Path(output).write_bytes(data)
    click.echo(f"已写入 {output}（{len(data)} 字节）")
