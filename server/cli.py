"""`flask` commands: demo data, the start command, the committed OpenAPI document."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app

from server.config import ROOT


def register_cli(app: Flask) -> None:
    """Attach the project's commands to `flask`."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(openapi_command)
    from server.assessment.cli import assessment_cli
    from server.audit.cli import audit_cli
    from server.evaluation.cli import evaluation_cli
    from server.meetings.cli import meetings_cli
    from server.notify.cli import deliver_command
    from server.ops.cli import backup_command, restore_command
    from server.people.cli import thinktank_cli
    from server.sites.cli import posters_command
    from server.supervision.cli import supervision_cli

    for command in (posters_command, deliver_command, evaluation_cli, meetings_cli,
                    supervision_cli, assessment_cli, thinktank_cli, audit_cli, backup_command,
                    restore_command):
        app.cli.add_command(command)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Fill an empty database with the demo district (does nothing if data exists)."""
    from server.demo import is_seeded, seed_demo

    if is_seeded():
        click.echo("数据库已有数据，未重复生成演示数据。")
        return
    accounts = seed_demo()
    click.echo(f"已生成演示数据，{len(accounts)} 个演示账号。")


def openapi_document(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI document the app serves."""
    from server.extensions import api

    with app.test_request_context():
        return api.spec.to_dict()


def write_openapi(app: Flask, path: Path) -> None:
    """Write the OpenAPI document in the committed, stable form."""
    text = json.dumps(openapi_document(app), ensure_ascii=False, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


@click.command("openapi")
@click.option("--output", default=str(ROOT / "openapi.json"), show_default=True)
def openapi_command(output: str) -> None:
    """Write openapi.json from the schemas (commit the result)."""
    write_openapi(current_app._get_current_object(), Path(output))  # type: ignore[attr-defined]
    click.echo(f"wrote {output}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve_command(host: str, port: int, workers: int) -> None:
    """Migrate, seed demo data on an empty database, then serve with gunicorn."""
    from flask_migrate import upgrade

    from server.demo import DEMO_PASSWORD, demo_accounts, is_seeded, seed_demo
    from server.extensions import redis_accessor
    from server.health import check_health
    from server.sites.models import Site

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade(directory=str(ROOT / "migrations"), revision="heads")
    if not is_seeded():
        click.echo("首次启动：正在生成演示数据（盐都区 14 个板块、250 个村居）……")
        seed_demo()
    # Workers connect to the same Redis: the embedded one this process started, or REDIS_URL.
    redis_url = redis_accessor.url(app)
    os.environ["REDIS_URL"] = redis_url
    health = check_health()
    from sqlalchemy import select

    from server.extensions import db

    site = db.session.scalar(select(Site).where(Site.kind == "room").order_by(Site.id))
    base = f"http://{host}:{port}"
    lines = [
        "",
        "有事好商量 Shangliang 已启动",
        f"  员工控制台   {base}/console/",
        f"  群众扫码页   {base}/s/{site.code if site else 'CODE'}   ({site.name if site else ''})",
        f"  API 文档     {base}/api/openapi.json",
        f"  健康检查     {base}/healthz   数据库 {'正常' if health['database']['ok'] else '异常'}"
        f" · Redis {'正常' if health['redis']['ok'] else '异常'}"
        f" ({'内置' if not app.config.get('REDIS_URL') else 'REDIS_URL'})",
        f"  演示账号（密码均为 {DEMO_PASSWORD}）：",
    ]
    for account in demo_accounts():
        lines.append(f"    {account.username:<12} {account.role:<12} {account.scope}")
    lines.append("  按 Ctrl+C 停止。")
    click.echo("\n".join(lines))
    db.session.remove()
    from server.supervision.sweeper import start_sweeper

    sweeper = start_sweeper(app)  # overdue warnings every minute on the embedded default
    try:
        _run_gunicorn(host, port, workers, app.config["INSTANCE_PATH"])
    finally:
        if sweeper is not None:
            sweeper.stop()


def _run_gunicorn(host: str, port: int, workers: int, instance: str) -> None:
    """Run gunicorn in a child process; this process keeps the embedded Redis until it ends."""
    import subprocess
    import sys

    # gevent: big-screen event streams are long-lived; a thread per stream would run out.
    # A separate gunicorn process lets gevent patch the standard library before anything
    # of ours is imported.
    args = [
        sys.executable, "-m", "gunicorn", "server:create_app()",
        "--bind", f"{host}:{port}", "--workers", str(workers),
        "--worker-class", "gevent", "--worker-connections", "2000",
        "--timeout", "60", "--graceful-timeout", "10",
    ]
    env = dict(os.environ, SHANGLIANG_INSTANCE=instance)
    # Ballots go from Redis to the database in their own process, not in the vote workers.
    persister = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "flask", "--app", "server", "meetings", "persist"],
        env=env, cwd=str(ROOT))
    process = subprocess.Popen(args, env=env, cwd=str(ROOT))  # noqa: S603 - fixed argv
    try:
        process.wait()
    except KeyboardInterrupt:
        process.wait(timeout=15)
    finally:
        # After gunicorn, so ballots accepted until the end are drained once more.
        persister.terminate()
        persister.wait(timeout=30)
