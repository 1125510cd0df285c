"""Backups: back up, wipe, restore, and every table, ballot and photo is equal."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from server.extensions import db
from server.meetings import keys as meeting_keys
from server.ops.backup import kept_key
from tests.factories import bearer, make_district, make_resident
from tests.intake.factories import categories, jpeg_bytes, report, upload
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence


def tables_snapshot() -> dict[str, list[str]]:
    db.session.remove()
    snapshot = {}
    with db.engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).mappings().all()
            snapshot[name] = sorted(json.dumps(dict(r), default=str, sort_keys=True)
                                    for r in rows)
    return snapshot


def redis_snapshot(redis: Any) -> dict[str, Any]:
    snapshot: dict[str, Any] = {}
    for name in redis.scan_iter(match="sl:*"):
        if not kept_key(name):
            continue
        kind = redis.type(name)
        if kind == "string":
            snapshot[name] = redis.get(name)
        elif kind == "hash":
            snapshot[name] = redis.hgetall(name)
        elif kind == "set":
            snapshot[name] = sorted(redis.smembers(name))
        elif kind == "zset":
            snapshot[name] = redis.zrange(name, 0, -1, withscores=True)
        elif kind == "list":
            snapshot[name] = redis.lrange(name, 0, -1)
        elif kind == "stream":
            snapshot[name] = redis.xrange(name)
    return snapshot


def media_snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def wipe(app: Any, redis: Any) -> None:
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    redis.flushdb()
    shutil.rmtree(app.config["MEDIA_PATH"])


def test_restore_drill_brings_back_every_table_ballot_key_and_photo(app, client, redis,
                                                                    tmp_path):
    d = make_district()
    _resident, token = make_resident()
    photo = upload(client, token, jpeg_bytes((800, 600)))
    assert photo.status_code == 201, photo.get_json()
    made = report(client, token, d.site_a.code, categories()["道路交通"],
                  photo_ids=[photo.get_json()["id"]])
    assert made.status_code == 201, made.get_json()
    mod = make_moderator()
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting)
    yes, no = poll.options[0].id, poll.options[1].id
    poll_id, code, photo_id = poll.id, meeting.code, photo.get_json()["id"]
    for choice in (yes, yes, no):
        _, voter = make_resident()
        client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": presence(meeting)},
                    headers=bearer(voter))
        assert client.post(f"/api/v1/polls/{poll.id}/votes", json={"choices": [choice]},
                           headers=bearer(voter)).status_code == 200
    archive = tmp_path / "backup.tar"
    runner = app.test_cli_runner()
    done = runner.invoke(args=["backup", "-o", str(archive)])
    assert done.exit_code == 0, done.output
    tables, keys, media = (tables_snapshot(), redis_snapshot(redis),
                           media_snapshot(Path(app.config["MEDIA_PATH"])))
    # The backup drained the queues: the three ballots are rows, the tally lives on.
    assert len(tables["meeting_ballots"]) == 3 and len(tables["opinion_photos"]) == 1
    assert redis.hget(meeting_keys.poll_tally(poll_id), str(yes)) == "2"
    assert len(media) >= 2  # the photo and its thumbnail

    wipe(app, redis)
    assert tables_snapshot() == {} and redis.dbsize() == 0
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    done = runner.invoke(args=["restore", str(archive), "--yes"])
    assert done.exit_code == 0, done.output

    assert tables_snapshot() == tables
    assert redis_snapshot(redis) == keys
    assert media_snapshot(Path(app.config["MEDIA_PATH"])) == media
    # The restored installation works: the tally, and a photo served from disk.
    assert client.get(f"/api/v1/m/{code}").status_code == 200
    served = client.get(f"/api/v1/intake/photos/{photo_id}",
                        headers=bearer(token))
    served.close()
    assert served.status_code == 200


def test_a_damaged_archive_is_refused_before_anything_is_touched(app, redis, tmp_path):
    make_district()
    archive = tmp_path / "backup.tar"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    before = tables_snapshot()
    damaged = tmp_path / "damaged.tar"
    raw = bytearray(archive.read_bytes())
    marker = raw.find(b"SQLite format 3") if b"SQLite format 3" in raw else raw.find(b"PGDMP")
    assert marker > 0
    raw[marker + 2000] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    done = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert done.exit_code != 0 and "校验不符" in done.output
    assert tables_snapshot() == before
