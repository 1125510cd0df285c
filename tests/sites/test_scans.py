"""The printed URL /s/{code}: scan counting, retired sites' friendly page, unknown codes."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.sites import keys
from server.sites.scans import DEVICE_COOKIE, local_today
from tests.factories import make_district, make_site
from tests.sites.factories import staff_headers


def visit(client, path):
    """Open a /s/ URL like a phone does, reading and closing the page."""
    response = client.get(path, buffered=True)
    response.close()
    return response


def _figures(client, site, headers):
    response = client.get(f"/api/v1/sites/{site.id}/scans?days=7", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    today = body["days"][0]
    assert today["date"] == local_today().isoformat()
    return today["visitors"], today["scans"], body


def test_two_visits_from_one_device_are_one_visitor_and_two_scans(app, client, redis):
    d = make_district()
    headers = staff_headers("admin")
    first = visit(client, f"/s/{d.site_a.code}")
    assert first.status_code == 200
    assert b"<html" in first.data.lower()  # the resident page
    cookie = client.get_cookie(DEVICE_COOKIE, path="/s/")
    assert cookie is not None and cookie.http_only and len(cookie.value) >= 16
    second = visit(client, f"/s/{d.site_a.code.lower()}")  # people type codes in lower case
    assert second.status_code == 200
    assert "Set-Cookie" not in second.headers  # the device keeps its id
    assert _figures(client, d.site_a, headers)[:2] == (1, 2)
    head = client.head(f"/s/{d.site_a.code}", buffered=True)  # a link checker
    head.close()
    assert head.status_code == 200
    assert _figures(client, d.site_a, headers)[:2] == (1, 2)

    other_phone = app.test_client()
    assert visit(other_phone, f"/s/{d.site_a.code}").status_code == 200
    visitors, scans, body = _figures(client, d.site_a, headers)
    assert (visitors, scans) == (2, 3)
    assert body["total_scans"] == 3 and body["unique_visitors"] == 2
    assert len(body["days"]) == 7 and all(day["scans"] == 0 for day in body["days"][1:])
    # Another site's figures are its own.
    assert _figures(client, d.site_b, headers)[:2] == (0, 0)
    # Daily keys expire (a little over a year), they are not kept forever.
    today = local_today()
    for key in (keys.scan_visitors(d.site_a.id, today), keys.scan_count(d.site_a.id, today)):
        assert 0 < redis.ttl(key) <= keys.SCAN_STATS_TTL


def test_a_phone_that_refuses_cookies_counts_at_most_twice_a_day(app, client):
    d = make_district()
    no_cookies = app.test_client(use_cookies=False)
    for _ in range(4):
        assert visit(no_cookies, f"/s/{d.site_a.code}").status_code == 200
    visitors, scans, _ = _figures(client, d.site_a, staff_headers("admin"))
    assert scans == 4
    # The first scan counts under the issued id, the rest under its IP + User-Agent hash.
    assert visitors == 2


def test_unique_visitors_over_days_count_a_returning_device_once(client):
    from server.sites.scans import Device, count_scan

    d = make_district()
    phone = Device("a" * 24, False, "f" * 24)
    other = Device("b" * 24, False, "e" * 24)
    count_scan(d.site_a.id, phone, day=local_today())
    count_scan(d.site_a.id, phone, day=local_today() - timedelta(days=3))
    count_scan(d.site_a.id, other, day=local_today())
    _, _, body = _figures(client, d.site_a, staff_headers("admin"))
    assert [day["visitors"] for day in body["days"][:4]] == [2, 0, 0, 1]
    assert body["total_scans"] == 3
    assert body["unique_visitors"] == 2


def test_scan_figures_are_for_staff_in_scope(app, client):
    d = make_district()
    visit(app.test_client(), f"/s/{d.site_a.code}")
    own = staff_headers("moderator", unit_id=d.village_a.id)
    other = staff_headers("moderator", unit_id=d.village_b.id)
    assert _figures(client, d.site_a, own)[:2] == (1, 1)
    denied = client.get(f"/api/v1/sites/{d.site_a.id}/scans", headers=other)
    assert denied.status_code == 403
    too_many = client.get(f"/api/v1/sites/{d.site_a.id}/scans?days=999", headers=own)
    assert too_many.status_code == 422


def test_retired_code_shows_a_friendly_page_pointing_to_the_replacement(client):
    d = make_district()
    new = make_site(d.village_a, "黄庄村<新>议事室")  # markup in a name is shown, not run
    d.site_a.active = False
    d.site_a.replaced_by_id = new.id
    db.session.commit()
    response = visit(client, f"/s/{d.site_a.code}")
    assert response.status_code == 200
    html = response.data.decode()
    assert "已停用" in html and d.site_a.name in html
    assert f'href="/s/{new.code}"' in html
    assert "黄庄村&lt;新&gt;议事室" in html and "<新>" not in html
    # The old poster still works as a scan: staff see it was used.
    figures = client.get(f"/api/v1/sites/{d.site_a.id}/scans",
                         headers=staff_headers("admin")).get_json()
    assert figures["days"][0]["scans"] == 1
    assert visit(client, f"/s/{new.code}").status_code == 200


def test_retired_chain_leads_to_the_active_successor(client):
    d = make_district()
    middle = make_site(d.village_a, "过渡点位", active=False)
    final = make_site(d.village_a, "黄庄村新议事室")
    d.site_a.active = False
    d.site_a.replaced_by_id = middle.id
    middle.replaced_by_id = final.id
    lonely = make_site(d.village_b, "撤并点位", active=False)
    db.session.commit()
    html = visit(client, f"/s/{d.site_a.code}").data.decode()
    assert f'href="/s/{final.code}"' in html and f"/s/{middle.code}" not in html
    no_successor = visit(client, f"/s/{lonely.code}")
    assert no_successor.status_code == 200
    assert "已停用" in no_successor.data.decode() and "href=\"/s/" not in no_successor.data.decode()


def test_unknown_code_is_a_404_page_in_chinese(client):
    make_district()
    response = visit(client, "/s/ZZZZZZ")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.data.decode()
    assert "找不到这个点位" in html and "ZZZZZZ" in html and 'lang="zh-CN"' in html
    weird = visit(client, "/s/%3Cscript%3E")
    assert weird.status_code == 404
    assert "<script>" not in weird.data.decode() and "&lt;script&gt;" in weird.data.decode()


def test_the_poster_still_opens_when_redis_is_down(app, client):
    import redis as redis_lib
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from tests.conftest import free_port

    d = make_district()
    state = app.extensions["sl_redis"]
    working = state["client"]
    # A real client to a port nobody listens on: what the app sees during a Redis outage.
    state["client"] = redis_lib.Redis(port=free_port(), socket_connect_timeout=0.2,
                                      retry=Retry(NoBackoff(), 0))
    try:
        response = visit(client, f"/s/{d.site_a.code}")
    finally:
        state["client"].close()
        state["client"] = working
    assert response.status_code == 200 and b"<html" in response.data.lower()
