"""`flask privacy …`: personal-information housekeeping (PIPL)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="个人信息保护")


@privacy_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="只统计，不删除")
def sweep_command(dry_run: bool) -> None:
    """Remove phones and photos of cases closed longer ago than the retention periods."""
    from server.privacy.retention import sweep

    result = sweep(dry_run=dry_run)
    verb = "将清除" if dry_run else "已清除"
    click.echo(f"{verb}联系电话 {result.phones} 件，照片 {result.photos} 张"
               f"（删除文件 {result.files} 个）")
