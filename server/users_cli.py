"""`flask users …`: the first administrator, and a password reset from the server itself."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.errors import DomainError

users_cli = AppGroup("users", help="工作人员账号")


def _read_password(from_stdin: bool) -> str:
    # Never an argument: argv shows in `ps` and in shell history.
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("标准输入中没有密码")
        return line.rstrip("\r\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


def _fail(exc: DomainError) -> click.ClickException:
    details = [m for v in (exc.errors or {}).values()
               for m in (v if isinstance(v, list) else [v])]
    return click.ClickException("；".join([exc.message, *map(str, details)]))


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--name", "display_name", default="系统管理员", show_default=True,
              help="姓名或称呼")
@click.option("--password-stdin", is_flag=True,
              help="从标准输入读取一行作为密码（供自动化部署使用；不要写在命令行参数里）")
def create_admin_command(username: str, display_name: str, password_stdin: bool) -> None:
    """Create a district-wide administrator; the password is prompted for twice."""
    from server.audit.services import record_command
    from server.people.accounts import create_admin

    password = _read_password(password_stdin)
    try:
        user = create_admin(username, display_name, password)
    except DomainError as exc:
        raise _fail(exc) from exc
    record_command("users create-admin", {"username": user.username, "role": "admin"},
                   resource={"created_id": user.id})
    click.echo(f"已创建全区管理员 {user.username}。请用它登录员工控制台（/console/）。")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（供自动化使用）")
def reset_password_command(username: str, password_stdin: bool) -> None:
    """Set a new password for an account; its sessions and tokens end."""
    from sqlalchemy import select

    from server.audit.services import record_command
    from server.extensions import db
    from server.people.models import User
    from server.people.services import set_password

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"找不到账号 {username}")
    password = _read_password(password_stdin)
    try:
        set_password(user, password)
    except DomainError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    record_command("users reset-password", {"username": user.username},
                   resource={"user_id": user.id})
    click.echo(f"已为 {user.username} 设置新密码，其所有登录会话和令牌已失效。")
