"""QR codes refuse addresses residents' phones cannot open, outside demo mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from server.common.publicurl import unreachable_reason
from tests.factories import make_district
from tests.meetings.factories import make_meeting
from tests.sites.factories import decode, pdf_pages, staff_headers


@pytest.fixture
def base(app: Flask) -> Iterator[dict[str, object]]:
    saved = {k: app.config.get(k) for k in ("PUBLIC_BASE_URL", "DEMO_MODE")}
    yield app.config  # type: ignore[misc]
    app.config.update(saved)


@pytest.mark.parametrize("address", [
    "http://127.0.0.1:8000", "http://localhost:8821", "http://192.168.1.20", "http://10.0.0.5",
    "http://172.20.1.1:8000", "http://169.254.3.4", "http://shangliang.local",
    "http://[::1]:8000", "http://myserver:8000", "http://0.0.0.0:8000"])
def test_non_public_addresses_are_recognised(address):
    assert unreachable_reason(address) is not None


@pytest.mark.parametrize("address", ["https://sl.example.cn", "http://58.218.10.3:8080",
                                     "https://shangliang.yandu.gov.cn/"])
def test_public_addresses_pass(address):
    assert unreachable_reason(address) is None


def test_posters_and_join_codes_refuse_loopback_outside_demo_mode(client, base):
    d = make_district()
    headers = staff_headers("admin")
    meeting = make_meeting(d.site_a)
    base["PUBLIC_BASE_URL"] = "http://127.0.0.1:8000"
    base["DEMO_MODE"] = False
    for path in (f"/api/v1/sites/{d.site_a.id}/poster.pdf",
                 f"/api/v1/sites/{d.site_a.id}/poster.png",
                 f"/api/v1/sites/{d.site_a.id}/qr.png",
                 f"/api/v1/units/{d.district.id}/posters.pdf",
                 f"/api/v1/units/{d.district.id}/posters.zip",
                 f"/api/v1/meetings/{meeting.id}/join-code"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 409, (path, refused.status_code)
        body = refused.get_json()
        assert body["code"] == "public_base_url_not_public", path
        assert "127.0.0.1" in body["message"] and "PUBLIC_BASE_URL" in body["message"]
        assert "本机回环地址" in body["message"]
    # In demo mode the same address prints: the demo runs on this machine.
    base["DEMO_MODE"] = True
    pdf = client.get(f"/api/v1/sites/{d.site_a.id}/poster.pdf", headers=headers)
    assert pdf.status_code == 200
    [page] = pdf_pages(pdf.data, 1.4)
    assert decode(page) == [f"http://127.0.0.1:8000/s/{d.site_a.code}"]


def test_the_posters_command_refuses_a_private_address(app, base):
    d = make_district()
    base["PUBLIC_BASE_URL"] = "http://192.168.1.20:8000"
    base["DEMO_MODE"] = False
    result = app.test_cli_runner().invoke(args=["posters", "--site-code", d.site_a.code,
                                                "-o", "/tmp/never-written.pdf"])
    assert result.exit_code != 0
    assert "内网地址" in result.output and "PUBLIC_BASE_URL" in result.output
