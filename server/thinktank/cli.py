"""`flask thinktank …`: bring the district's expert list in from a spreadsheet (CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import AppGroup

thinktank_cli = AppGroup("thinktank", help="协商智库：专家名册导入")


@thinktank_cli.command("import-experts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_experts_command(path: Path) -> None:
    """Import experts from a UTF-8 CSV (columns: see IMPORT_COLUMNS); all rows or none."""
    from server.thinktank.expert_import import IMPORT_COLUMNS, import_experts

    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("姓名", "专业领域") if c not in (reader.fieldnames or [])]
        if missing:
            raise click.ClickException(
                f"缺少列：{'、'.join(missing)}（应有：{','.join(IMPORT_COLUMNS)}）")
        result = import_experts(list(reader))
    if result["errors"]:
        for error in result["errors"]:
            click.echo(error, err=True)
        raise click.ClickException(f"共 {len(result['errors'])} 处错误，未导入任何专家")
    click.echo(f"新增 {result['added']} 位专家，更新 {result['updated']} 位")
