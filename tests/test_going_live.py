"""Demo versus production: what `flask serve` refuses, and the first administrator."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

from server.cli import demo_base_url
from tests.conftest import ROOT, run

SEED_DEMO_PASSWORD = textwrap.dedent("""
    import sys
    from flask_migrate import upgrade
    from server import create_app
    from server.demo import DEMO_PASSWORD
    from server.extensions import db, redis_accessor
    from server.people.services import create_user

    app = create_app()
    with app.app_context():
        upgrade(directory=sys.argv[1], revision="heads")
        create_user("admin", DEMO_PASSWORD, "区政协系统管理员", [{"role": "admin"}])
        create_user("chief", "Zq8-lantern-river", "管理员", [{"role": "admin"}])
        db.session.commit()
    redis_accessor.close(app)
""")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL",
                        "PUBLIC_BASE_URL", "SHANGLIANG_DEMO"}}
    env["SHANGLIANG_INSTANCE"] = str(tmp_path / "instance")
    env.update(extra)
    return env


def _flask(env: dict[str, str], *args: str, stdin: str | None = None):
    return run([sys.executable, "-m", "flask", "--app", "server", *args], env=env, cwd=ROOT,
               input=stdin)


def test_production_start_refuses_demo_passwords_until_they_are_changed(tmp_path: Path):
    env = _env(tmp_path, PUBLIC_BASE_URL="https://sl.example.cn")
    seeded = run([sys.executable, "-c", SEED_DEMO_PASSWORD, str(ROOT / "migrations")],
                 env=env, cwd=ROOT)
    assert seeded.returncode == 0, seeded.stderr
    refused = _flask(env, "serve", "--check")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "演示密码" in refused.stderr and "admin" in refused.stderr
    assert "chief" not in refused.stderr  # only the account that still has it
    assert "已启动" not in refused.stdout
    changed = _flask(env, "users", "reset-password", "admin", "--password-stdin",
                     stdin="Harbour-lamp-1987\n")
    assert changed.returncode == 0, changed.stderr
    started = _flask(env, "serve", "--check")
    assert started.returncode == 0, started.stderr
    assert "已启动（正式运行）" in started.stdout
    assert "https://sl.example.cn/console/" in started.stdout
    assert "演示账号" not in started.stdout


def test_production_start_needs_a_public_address_and_starts_empty(tmp_path: Path):
    missing = _flask(_env(tmp_path), "serve", "--check")
    assert missing.returncode == 1 and "PUBLIC_BASE_URL" in missing.stderr
    loopback = _flask(_env(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:8000"), "serve",
                      "--check")
    assert loopback.returncode == 1 and "本机回环地址" in loopback.stderr
    env = _env(tmp_path, PUBLIC_BASE_URL="https://sl.example.cn")
    empty = _flask(env, "serve", "--check")
    assert empty.returncode == 0, empty.stderr
    assert "users create-admin" in empty.stdout and "还没有任何账号" in empty.stdout
    # Nothing of the demo was created.
    count = run([sys.executable, "-c", textwrap.dedent("""
        from sqlalchemy import func, select
        from server import create_app
        from server.extensions import redis_accessor, db
        from server.sites.models import Unit
        from server.people.models import User
        app = create_app()
        with app.app_context():
            print(db.session.scalar(select(func.count()).select_from(Unit)),
                  db.session.scalar(select(func.count()).select_from(User)))
        redis_accessor.close(app)
    """)], env=env, cwd=ROOT)
    assert count.stdout.split()[-2:] == ["0", "0"], count.stderr
    weak = _flask(env, "users", "create-admin", "chief", "--password-stdin",
                  stdin="woaini1314\n")
    assert weak.returncode == 1 and "太常见" in weak.stderr
    made = _flask(env, "users", "create-admin", "chief", "--name", "区政协管理员",
                  "--password-stdin", stdin="Zq8-lantern-river\n")
    assert made.returncode == 0, made.stderr
    assert "已创建全区管理员 chief" in made.stdout


def test_demo_mode_prints_the_address_actually_served(app):
    saved = app.config["PUBLIC_BASE_URL_SET"]
    app.config["PUBLIC_BASE_URL_SET"] = False
    try:
        assert demo_base_url(app, "127.0.0.1", 8821) == "http://127.0.0.1:8821"
        assert demo_base_url(app, "0.0.0.0", 9000) == "http://127.0.0.1:9000"
        app.config["PUBLIC_BASE_URL_SET"] = True
        assert demo_base_url(app, "127.0.0.1", 8821) == app.config["PUBLIC_BASE_URL"]
    finally:
        app.config["PUBLIC_BASE_URL_SET"] = saved
