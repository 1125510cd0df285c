"""Configuration: the only module that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: Any) -> Any:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration from the environment, then apply explicit overrides."""
    env = os.environ
    instance = Path(env.get("SHANGLIANG_INSTANCE", str(ROOT / "instance"))).resolve()
    cfg: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        "DATABASE_URL": env.get("DATABASE_URL", ""),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        # A production start refuses to run unless the public address was set explicitly.
        "PUBLIC_BASE_URL_SET": bool(env.get("PUBLIC_BASE_URL")),
        # Demo mode (`make run`, `flask serve --demo`): demo data, loopback QR codes allowed.
        "DEMO_MODE": _bool(env.get("SHANGLIANG_DEMO"), False),
        "TEMP_PASSWORD_DAYS": int(env.get("TEMP_PASSWORD_DAYS", "7")),
        "WECHAT_APPID": env.get("WECHAT_APPID", ""),
        "WECHAT_SECRET": env.get("WECHAT_SECRET", ""),
        "WECHAT_API_BASE": env.get("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        "WECHAT_TIMEOUT": float(env.get("WECHAT_TIMEOUT", "5")),
        # Unset: Secure exactly when the public address is https (see finalize).
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), None),
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        # Sign-in throttling per (address, username): after LOGIN_MAX_FAILURES free failures
        # each attempt waits twice as long as the last, from the base up to the cap.
        "LOGIN_DELAY_BASE_SECONDS": float(env.get("LOGIN_DELAY_BASE_SECONDS", "1")),
        "LOGIN_DELAY_MAX_SECONDS": int(env.get("LOGIN_DELAY_MAX_SECONDS", "900")),
        "API_TOKEN_DAYS": int(env.get("API_TOKEN_DAYS", "30")),
        "RESIDENT_TOKEN_DAYS": int(env.get("RESIDENT_TOKEN_DAYS", "365")),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        # How many reverse proxies in front append to X-Forwarded-For (0: believe no header).
        # The one setting for the audit log's addresses and every rate limit's address
        # (env TRUSTED_PROXIES; AUDIT_TRUSTED_PROXIES is its older name).
        "AUDIT_TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES")
                                     or env.get("AUDIT_TRUSTED_PROXIES") or "0"),
        # Key for personal data at rest (32 bytes, base64); unset: derived from SECRET_KEY.
        "PII_KEY": env.get("PII_KEY", ""),
        "CJK_FONT_PATH": env.get("CJK_FONT_PATH", ""),
        # Answer well-formed new ballots before Flask's request cycle (meetings.fastpath).
        "VOTE_FAST_PATH": _bool(env.get("VOTE_FAST_PATH"), True),
        # Overdue warnings: blue when the working time left is at most this share of the
        # step's window; yellow when at most this many working days are left (capped at
        # half the blue threshold); the embedded default runs the sweep itself (auto|on|off).
        "SUPERVISION_BLUE_SHARE": float(env.get("SUPERVISION_BLUE_SHARE", str(1 / 3))),
        "SUPERVISION_YELLOW_DAYS": float(env.get("SUPERVISION_YELLOW_DAYS", "1")),
        "SUPERVISION_SWEEPER": env.get("SUPERVISION_SWEEPER", "auto").strip().lower(),
        "SUPERVISION_SWEEP_SECONDS": int(env.get("SUPERVISION_SWEEP_SECONDS", "60")),
        # Operations (server/ops): JSON log lines unless "text"; the bearer token Prometheus
        # sends to /metrics (without one, only loopback callers not behind a proxy).
        "LOG_FORMAT": env.get("LOG_FORMAT", ""),
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # Redis with a replica (Sentinel): answer a new ballot only once this many replicas
        # have it (WAIT, at most REDIS_WAIT_MS), so a failover loses no acknowledged ballot.
        "REDIS_WAIT_REPLICAS": int(env.get("REDIS_WAIT_REPLICAS", "0")),
        "REDIS_WAIT_MS": int(env.get("REDIS_WAIT_MS", "500")),
        "TESTING": False,
    }
    if env.get("INTAKE_TRACKING_PREFIX"):
        # Tracking numbers start with the district's letters (YD… for the demo's 盐都区).
        cfg["INTAKE_TRACKING_PREFIX"] = env["INTAKE_TRACKING_PREFIX"].strip().upper()
    if overrides:
        cfg.update(overrides)
    return cfg


def finalize(cfg: dict[str, Any]) -> dict[str, Any]:
    """Derive settings that depend on others (database URL, secret key file)."""
    instance = Path(cfg["INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    if not cfg.get("DATABASE_URL"):
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'shangliang.db'}"
    url: str = cfg["DATABASE_URL"]
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; the plain scheme would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if url.startswith("postgresql"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance)
    cfg.setdefault("MEDIA_PATH", str(instance / "media"))
    if cfg.get("SESSION_COOKIE_SECURE") is None:
        cfg["SESSION_COOKIE_SECURE"] = str(cfg.get("PUBLIC_BASE_URL", "")).startswith("https://")
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_NAME"] = "sl_session"
    cfg["JSON_AS_ASCII"] = False
    return cfg


def _instance_secret(instance: Path) -> str:
    """Keep a random secret in the instance folder so restarts keep sessions valid."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
