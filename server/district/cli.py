"""`flask district …`: the import template, and importing a district's workbook."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

district_cli = AppGroup("district", help="区县数据：模板与导入")


@district_cli.command("template")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def template_command(output: Path) -> None:
    """Write the empty import template."""
    from server.district.workbook import template_bytes

    output.write_bytes(template_bytes())
    click.echo(f"已写入模板 {output}")


@district_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并统计，不写入")
@click.option("--as", "as_user", default=None,
              help="以哪个全区管理员的名义导入（默认第一个全区管理员）")
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="新账号临时密码写入的 .xlsx（有新账号时必填）")
def import_command(path: Path, dry_run: bool, as_user: str | None,
                   credentials: Path | None) -> None:
    """Check a workbook, then import all of it or nothing."""
    from server.audit.services import record_command
    from server.district.results import ImportInvalid
    from server.district.services import credentials_workbook
    from server.district.workbook import read_workbook
    from server.errors import DomainError

    actor = _actor(as_user)
    parsed = read_workbook(path.read_bytes())
    if not dry_run and credentials is None and any(parsed.rows.get("工作人员", [])):
        raise click.ClickException("工作簿含工作人员：请用 --credentials 文件.xlsx 指定新账号"
                                   "临时密码的保存位置（只写这一次）")
    from server.district.importer import run_import

    try:
        result = run_import(parsed, actor, dry_run=dry_run)
    except ImportInvalid as exc:
        for problem in exc.errors.get("problems", []):
            click.echo(problem["text"], err=True)
        raise click.ClickException(exc.message) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    summary = result.summary()
    for sheet, counts in summary["sheets"].items():
        click.echo(f"{sheet}：新增 {counts['created']}，更新 {counts['updated']}，"
                   f"未变 {counts['unchanged']}，撤销/停用 {counts['retired']}")
    if dry_run:
        click.echo(f"检查通过，共 {summary['rows']} 行（试运行，未写入）。")
        return
    if result.credentials and credentials is not None:
        credentials.write_bytes(credentials_workbook(result.credentials))
        credentials.chmod(0o600)
        click.echo(f"{len(result.credentials)} 个新账号的临时密码已写入 {credentials}"
                   "（分发后请删除）")
    record_command("district import", {"file": path.name, **summary}, username=actor.username,
                   user_id=actor.id)
    click.echo(f"导入完成，共 {summary['rows']} 行。")


def _actor(username: str | None):  # noqa: ANN202 - a User, imported lazily
    from sqlalchemy import select

    from server.extensions import db
    from server.people.models import Grant, User

    query = select(User).join(Grant).where(
        User.active.is_(True), Grant.role == "admin", Grant.unit_id.is_(None),
        Grant.department_id.is_(None), Grant.site_id.is_(None)).order_by(User.id)
    if username:
        query = query.where(User.username == username)
    user = db.session.scalars(query).first()
    if user is None:
        raise click.ClickException("找不到全区管理员：请先运行 flask --app server users "
                                   "create-admin 用户名")
    return user
