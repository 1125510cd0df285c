"""One-archive backups and restores: the database, the Redis keys that matter, media, secret.

The archive is a tar file holding manifest.json (what is inside, with a SHA-256 of each
part, the schema revision and row counts), the database (PostgreSQL: `pg_dump -Fc`; SQLite:
a copy taken with SQLite's online backup API), redis.jsonl (every `sl:` key as DUMP payload
and TTL, apart from rate-limit counters, locks and heartbeats, which are only meaningful
while their process lives), the media folder (report photos, evidence) and the secret key.

Before dumping, ballots and audit records still queued in Redis are copied into the
database, so the database part alone is already complete; the Redis part keeps live polls
(tallies, who voted) running after a restore.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from server.extensions import db, redis_accessor
from server.redis_urls import make_client

FORMAT = 1
REDIS_PREFIX = "sl:"
# Only meaningful while the process that set them lives: never restored.
VOLATILE_PARTS = (":drain-lock", ":lock", ":persister", ":sweep-last")
RATE_LIMIT_PREFIX = "sl:rl"


class BackupError(Exception):
    """The archive is unusable or a tool failed; the message says which."""


def libpq_url(sqlalchemy_url: str) -> str:
    """Turn a SQLAlchemy URL (postgresql+psycopg://…) into one pg_dump understands."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _raw_redis(app: Flask) -> redis.Redis:
    return make_client(redis_accessor.url(app), decode_responses=False, socket_timeout=30)


def kept_key(name: str) -> bool:
    """Tell whether a Redis key belongs in a backup."""
    return (name.startswith(REDIS_PREFIX) and not name.startswith(RATE_LIMIT_PREFIX)
            and not name.endswith(VOLATILE_PARTS))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def drain_queues() -> None:
    """Copy queued ballots and audit records from Redis into the database."""
    from server.audit.services import drain as drain_audit
    from server.meetings.persister import drain_active_polls

    drain_active_polls()
    drain_audit()
    db.session.remove()


def table_counts() -> dict[str, int]:
    """Return each table's row count."""
    names = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {name: int(conn.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)
                for name in names}


def _dump_database(app: Flask, folder: Path) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        target = folder / "database.pgdump"
        done = subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target),  # noqa: S607
                               "-d", libpq_url(url)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
        return target.name
    source_path = make_url(url).database
    target = folder / "database.sqlite3"
    source = sqlite3.connect(str(source_path))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # consistent even while others write
    finally:
        copy.close()
        source.close()
    return target.name


def _dump_redis(app: Flask, folder: Path) -> tuple[str, int]:
    client = _raw_redis(app)
    target = folder / "redis.jsonl"
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for raw in client.scan_iter(match=REDIS_PREFIX + "*", count=1000):
            name = raw.decode()
            if not kept_key(name):
                continue
            payload = client.dump(raw)
            if payload is None:
                continue  # expired meanwhile
            ttl = int(client.pttl(raw))
            out.write(json.dumps({"key": name, "ttl_ms": ttl if ttl > 0 else 0,
                                  "dump": base64.b64encode(payload).decode()}) + "\n")
            count += 1
    client.close()
    return target.name, count


def secret_key(app: Flask) -> str:
    """Return the secret key the app signs with."""
    return str(app.config["SECRET_KEY"])


def backup(app: Flask, output: Path) -> dict[str, Any]:
    """Write one archive holding everything needed to rebuild this installation."""
    from server.ops.ready import code_heads, database_heads

    drain_queues()
    with tempfile.TemporaryDirectory(prefix="sl-backup-") as tmp:
        folder = Path(tmp)
        parts: dict[str, str] = {}
        database_part = _dump_database(app, folder)
        redis_part, redis_keys = _dump_redis(app, folder)
        (folder / "secret_key").write_text(secret_key(app))
        for name in (database_part, redis_part, "secret_key"):
            parts[name] = _sha256(folder / name)
        media_root = Path(app.config["MEDIA_PATH"])
        media: dict[str, str] = {}
        if media_root.exists():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                media[path.relative_to(media_root).as_posix()] = _sha256(path)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "dialect": db.engine.dialect.name,
            "revisions": sorted(database_heads()),
            "code_revisions": sorted(code_heads()),
            "database": database_part,
            "tables": table_counts(),
            "redis_keys": redis_keys,
            "media": media,
            "parts": parts,
        }
        db.session.remove()
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
            for name in parts:
                archive.add(folder / name, arcname=name)
            if media_root.exists():
                archive.add(media_root, arcname="media")
        partial.chmod(0o600)  # it holds the secret key
        partial.replace(output)
    return manifest


# ---- restore ---------------------------------------------------------------------------


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """Return an archive's manifest (raises BackupError if it has none)."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            return dict(json.loads(member.read()))
    except (KeyError, tarfile.TarError, OSError, ValueError) as exc:
        raise BackupError(f"不是有效的备份文件：{exc}") from exc


def _extract(archive_path: Path, folder: Path, manifest: dict[str, Any]) -> None:
    with tarfile.open(archive_path, "r") as archive:
        archive.extractall(folder, filter="data")
    for name, digest in manifest["parts"].items():
        if _sha256(folder / name) != digest:
            raise BackupError(f"备份文件已损坏：{name} 校验不符")
    for name, digest in manifest["media"].items():
        path = folder / "media" / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"备份文件已损坏：media/{name} 校验不符")


def _restore_database(app: Flask, folder: Path, manifest: dict[str, Any]) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    if dialect != manifest["dialect"]:
        raise BackupError(f"备份来自 {manifest['dialect']} 数据库，不能恢复到 {dialect}")
    db.session.remove()
    db.engine.dispose()
    if dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error",  # noqa: S607
                               "-d", libpq_url(url), str(folder / manifest["database"])],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
        return
    source = sqlite3.connect(folder / manifest["database"])
    target = sqlite3.connect(str(make_url(url).database), timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_redis(app: Flask, folder: Path) -> int:
    client = _raw_redis(app)
    stale = [raw for raw in client.scan_iter(match=REDIS_PREFIX + "*", count=1000)
             if kept_key(raw.decode())]
    for start in range(0, len(stale), 500):
        client.delete(*stale[start:start + 500])
    count = 0
    with (folder / "redis.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            client.restore(entry["key"], entry["ttl_ms"], base64.b64decode(entry["dump"]),
                           replace=True)
            count += 1
    client.close()
    return count


def _restore_media(app: Flask, folder: Path) -> int:
    media_root = Path(app.config["MEDIA_PATH"])
    shutil.rmtree(media_root, ignore_errors=True)
    media_root.mkdir(parents=True, exist_ok=True)
    source = folder / "media"
    count = 0
    if source.exists():
        for path in source.rglob("*"):
            if path.is_file():
                target = media_root / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                count += 1
    return count


def restore(app: Flask, archive_path: Path) -> dict[str, Any]:
    """Replace the database, the Redis keys, media and the instance secret with an archive's."""
    manifest = read_manifest(archive_path)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    with tempfile.TemporaryDirectory(prefix="sl-restore-") as tmp:
        folder = Path(tmp)
        _extract(archive_path, folder, manifest)
        _restore_database(app, folder, manifest)
        keys = _restore_redis(app, folder)
        files = _restore_media(app, folder)
        secret = (folder / "secret_key").read_text()
    instance_secret = Path(app.config["INSTANCE_PATH"]) / "secret_key"
    instance_secret.write_text(secret)
    instance_secret.chmod(0o600)
    return {"tables": manifest["tables"], "redis_keys": keys, "media": files,
            "secret_matches": secret == secret_key(app),
            "revisions": manifest["revisions"]}
