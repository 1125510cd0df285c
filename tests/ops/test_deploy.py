"""The deployment kit: every unit runs a command that exists; the nginx site passes nginx -t."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
FLASK_PREFIX = ["/opt/shangliang/.venv/bin/flask", "--app", "server"]


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def command_env(tmp_path: Path, database_url: str, redis_url: str) -> dict[str, str]:
    return dict(os.environ, SHANGLIANG_INSTANCE=str(tmp_path / "instance"),
                DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="x" * 64,
                PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"))


def test_the_kit_has_web_persister_and_timers_for_sweep_outbox_and_closing():
    names = {p.name for p in (DEPLOY / "systemd").iterdir()}
    assert {"shangliang-web.service", "shangliang-persister.service",
            "shangliang-sweep.timer", "shangliang-deliver.timer",
            "shangliang-close-expired.timer"} <= names
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert timer.with_suffix(".service").exists(), timer.name
        assert unit(timer)["Timer"]["OnCalendar"]
    for path in UNITS:
        service = unit(path)["Service"]
        assert service["EnvironmentFile"] == "/etc/shangliang/shangliang.env", path.name
        assert service["User"] == "shangliang", path.name


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_each_unit_runs_a_command_that_exists(path, tmp_path, database_url, redis_url):
    argv = shlex.split(unit(path)["Service"]["ExecStart"])
    env = command_env(tmp_path, database_url, redis_url)
    if argv[:3] == FLASK_PREFIX:
        words = [w for w in argv[3:] if not w.startswith("-")][:2]
        words = [w for w in words if not w.replace(".", "").isdigit()]
        check = [str(ROOT / ".venv/bin/flask"), "--app", "server", *words, "--help"]
    else:
        assert Path(argv[0]).name == "gunicorn", argv
        # Loads the configuration and the app exactly as the unit does, then exits.
        check = [sys.executable, "-m", "gunicorn", "--check-config", *argv[1:]]
    done = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, (check, done.stdout[-2000:], done.stderr[-2000:])


def nginx_binary() -> str | None:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx",
                      str(ROOT / ".tools/nginx/usr/sbin/nginx")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def test_the_nginx_site_passes_nginx_t(tmp_path):
    binary = nginx_binary()
    if binary is None:
        pytest.skip("no nginx binary (scripts/bootstrap.sh --test unpacks Debian's nginx)")
    site = (DEPLOY / "nginx/shangliang.conf").read_text()
    site = site.replace("/var/log/nginx", str(tmp_path)).replace("/opt/shangliang",
                                                                  str(ROOT))
    (tmp_path / "site.conf").write_text(site)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {tmp_path}/site.conf;
}}
""")
    done = subprocess.run([binary, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "e.log"),
                           "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
