"""`flask backup` and `flask restore`: one archive for the whole installation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="归档文件路径（默认 instance/backups/shangliang-时间.tar）")
def backup_command(output: Path | None) -> None:
    """Back up the database, Redis keys, media folder and secret key into one archive."""
    from server.ops.backup import BackupError, backup

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = Path(app.config["INSTANCE_PATH"]) / "backups" / f"shangliang-{stamp}.tar"
    try:
        manifest = backup(app, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest["tables"].values())
    click.echo(f"已备份到 {output}：{len(manifest['tables'])} 张表 {rows} 行，"
               f"Redis {manifest['redis_keys']} 个键，文件 {len(manifest['media'])} 个")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="确认覆盖当前数据库、Redis 数据和文件")
def restore_command(archive: Path, yes: bool) -> None:
    """Replace database, Redis keys, media and secret key with a backup (stop the app first)."""
    from server.ops.backup import BackupError, read_manifest, restore

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        manifest = read_manifest(archive)
        if not yes:
            raise click.ClickException(
                f"恢复将覆盖当前全部数据（备份时间 {manifest['created_at']}）；确认请加 --yes")
        result = restore(app, archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已恢复：{sum(result['tables'].values())} 行，Redis {result['redis_keys']} 个键，"
               f"文件 {result['media']} 个")
    if not result["secret_matches"]:
        click.echo("注意：SECRET_KEY 环境变量与备份中的密钥不同；已写入 instance/secret_key，"
                   "请把 SECRET_KEY 改为备份中的值，否则现有登录和居民凭证将失效。")
