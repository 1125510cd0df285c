"""Image cost: a pixel cap checked before decoding, a bounded decode pool, daily quotas."""

from __future__ import annotations

import threading
import time

import pytest

from server.errors import DomainError
from server.intake.decode_pool import decode_bounded
from tests.factories import make_resident
from tests.intake.factories import jpeg_bytes, png_bomb, upload


def test_a_7000_by_7000_png_is_refused_before_decoding(client, db):
    _resident, token = make_resident()
    bomb = png_bomb(7000, 7000)
    assert len(bomb) < 100_000
    started = time.perf_counter()
    response = upload(client, token, bomb, "big.png")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "photo_dimensions"
    print(f"refused in {time.perf_counter() - started:.3f}s")


def test_decoding_runs_at_most_the_pool_size_at_once(app):
    workers = int(app.config.get("INTAKE_DECODE_WORKERS", 2))
    running, peak, lock = [0], [0], threading.Lock()

    def slow() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1

    errors: list[BaseException] = []

    def call() -> None:
        with app.app_context():
            try:
                decode_bounded(slow)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(workers * 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "decode pool hung"
    assert errors == [] and peak[0] == workers, (errors, peak)


def test_a_full_pool_answers_busy_instead_of_queueing_forever(app, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_DECODE_WAIT_SECONDS", 0.05)
    workers = int(app.config.get("INTAKE_DECODE_WORKERS", 2))
    release = threading.Event()
    holders = []
    for _ in range(workers):
        def hold() -> None:
            with app.app_context():
                decode_bounded(release.wait, 10)
        thread = threading.Thread(target=hold)
        thread.start()
        holders.append(thread)
    time.sleep(0.2)
    try:
        with pytest.raises(DomainError) as refused:
            decode_bounded(lambda: None)
        assert refused.value.status == 503
    finally:
        release.set()
        for thread in holders:
            thread.join(timeout=10)


def test_uploads_have_a_daily_quota_per_identity(client, db, monkeypatch, app):
    monkeypatch.setitem(app.config, "INTAKE_RATE_UPLOAD", [(1000, 600), (2, 86400)])
    _resident, token = make_resident()
    photo = jpeg_bytes((64, 64))
    codes = [upload(client, token, photo).status_code for _ in range(3)]
    assert codes == [201, 201, 429], codes
    _other, other = make_resident()
    assert upload(client, other, photo).status_code == 201
