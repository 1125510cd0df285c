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
    from server.district.cli import district_cli
    from server.evaluation.cli import evaluation_cli
    from server.meetings.cli import meetings_cli
    from server.notify.cli import deliver_command
    from server.ops.cli import backup_command, restore_command
    from server.privacy.cli import privacy_cli
    from server.sites.cli import posters_command
    from server.supervision.cli import supervision_cli
    from server.thinktank.cli import thinktank_cli
    from server.users_cli import users_cli

    for command in (posters_command, deliver_command, evaluation_cli, meetings_cli,
                    supervision_cli, assessment_cli, thinktank_cli, audit_cli, users_cli,
                    district_cli, backup_command, restore_command, privacy_cli):
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
@click.option("--demo", is_flag=True,
              help="演示模式：空库时生成演示区县和演示账号，二维码指向本机实际监听的地址")
@click.option("--check", is_flag=True, help="只做启动前检查并打印启动信息，不启动服务")
def serve_command(host: str, port: int, workers: int, demo: bool, check: bool) -> None:
    """Migrate, then serve with gunicorn: the demo (--demo) or a production start."""
    from flask_migrate import upgrade

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    demo = demo or bool(app.config.get("DEMO_MODE"))
    if demo:
        base = demo_base_url(app, host, port)
        # Workers and the persister read the same settings from their environment.
        os.environ["SHANGLIANG_DEMO"] = "1"
        os.environ["PUBLIC_BASE_URL"] = base
        app.config.update(DEMO_MODE=True, PUBLIC_BASE_URL=base)
    else:
        _refuse_unless_public(app)
    upgrade(directory=str(ROOT / "migrations"), revision="head")
    if demo:
        from server.demo import is_seeded, seed_demo

        if not is_seeded():
            click.echo("首次启动：正在生成演示数据（盐都区 14 个板块、250 个村居）……")
            seed_demo()
    else:
        _refuse_demo_passwords()
    click.echo(_banner(app, host, port, demo))
    if check:
        return
    from server.extensions import db, redis_accessor

    # Workers connect to the same Redis: the embedded one this process started, or REDIS_URL.
    os.environ["REDIS_URL"] = redis_accessor.url(app)
    db.session.remove()
    from server.supervision.sweeper import start_sweeper

    sweeper = start_sweeper(app)  # overdue warnings every minute on the embedded default
    try:
        _run_gunicorn(host, port, workers, app.config["INSTANCE_PATH"])
    finally:
        if sweeper is not None:
            sweeper.stop()


def demo_base_url(app: Flask, host: str, port: int) -> str:
    """Return the address QR codes print in demo mode: PUBLIC_BASE_URL, else what is served."""
    if app.config.get("PUBLIC_BASE_URL_SET"):
        return str(app.config["PUBLIC_BASE_URL"])
    # A wildcard bind has no single address to print; the machine itself always answers.
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _refuse_unless_public(app: Flask) -> None:
    from server.common.publicurl import refusal_message, unreachable_reason

    if not app.config.get("PUBLIC_BASE_URL_SET"):
        raise click.ClickException(
            "正式运行必须设置环境变量 PUBLIC_BASE_URL：群众扫码打开的公网地址，"
            "例如 PUBLIC_BASE_URL=https://shangliang.example.gov.cn（海报和会场二维码都指向它）。"
            "仅试用演示数据请运行 make run 或 flask --app server serve --demo。")
    base = str(app.config["PUBLIC_BASE_URL"])
    reason = unreachable_reason(base)
    if reason:
        raise click.ClickException(refusal_message(base, reason))


def _refuse_demo_passwords() -> None:
    from server.people.accounts import accounts_with_demo_password

    names = accounts_with_demo_password()
    if names:
        raise click.ClickException(
            f"拒绝以正式模式启动：这些账号仍在使用公开的演示密码：{'、'.join(names)}。"
            "请停用或删除演示数据库，或用 flask --app server users reset-password 用户名 "
            "为每个账号设置新密码后再启动。")


def _banner(app: Flask, host: str, port: int, demo: bool) -> str:
    from sqlalchemy import func, select

    from server.extensions import db
    from server.health import check_health
    from server.people.models import User
    from server.sites.models import Site

    health = check_health()
    base = str(app.config["PUBLIC_BASE_URL"])
    site = db.session.scalar(select(Site).where(Site.kind == "room", Site.active.is_(True))
                             .order_by(Site.id))
    lines = [
        "",
        "有事好商量 Shangliang 已启动" + ("（演示模式）" if demo else "（正式运行）"),
        f"  员工控制台   {base}/console/",
    ]
    if site is not None:
        lines.append(f"  群众扫码页   {base}/s/{site.code}   ({site.name})")
    lines += [
        f"  API 文档     {base}/api/openapi.json",
        f"  健康检查     {base}/healthz   数据库 {'正常' if health['database']['ok'] else '异常'}"
        f" · Redis {'正常' if health['redis']['ok'] else '异常'}"
        f" ({'内置' if not app.config.get('REDIS_URL') else 'REDIS_URL'})",
    ]
    if not demo and base != f"http://{host}:{port}":
        lines.append(f"  本机监听     http://{host}:{port}（由反向代理对外提供 {base}）")
    if demo:
        from server.demo import DEMO_PASSWORD, demo_accounts

        lines.append(f"  演示账号（密码均为 {DEMO_PASSWORD}）：")
        for account in demo_accounts():
            lines.append(f"    {account.username:<12} {account.role:<12} {account.scope}")
    elif not db.session.scalar(select(func.count()).select_from(User)):
        lines += [
            "  数据库里还没有任何账号。请在另一个终端创建第一个管理员（密码会提示输入两次）：",
            "    .venv/bin/flask --app server users create-admin 用户名 --name 姓名",
            "  然后登录员工控制台，在“数据导入”中下载模板，"
            "导入本区县的单位、点位、部门和工作人员。",
        ]
    lines.append("  按 Ctrl+C 停止。")
    return "\n".join(lines)


def _run_gunicorn(host: str, port: int, workers: int, instance: str) -> None:
    """Run gunicorn and the persister, supervised, until SIGTERM/SIGINT (see server.runner).

    This process keeps the embedded Redis and the sweeper until the children have stopped.
    """
    from server.runner import run_services

    code = run_services(host, port, workers, instance)
    if code:
        raise click.exceptions.Exit(code)
