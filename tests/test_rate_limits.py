"""Rate limits count identities and real addresses, not header spellings or the proxy."""

from __future__ import annotations

from tests.factories import make_district, make_resident


def _topic(client, auth: str, code: str, n: int):
    return client.post(f"/api/v1/sites/{code}/topics", json={"title": f"议题{n}", "detail": ""},
                       headers={"Authorization": auth})


def test_header_spellings_share_one_bucket(client, db):
    d = make_district()
    _resident, token = make_resident()
    spellings = [f"Bearer {token}", f"bearer {token}", f"BEARER {token}", f"Bearer  {token}",
                 f"Bearer {token} "]
    codes = [_topic(client, spellings[n % len(spellings)], d.site_a.code, n).status_code
             for n in range(12)]
    assert codes[:10] == [201] * 10 and codes[10:] == [429, 429], codes
    # Another resident has a bucket of their own.
    _other, other = make_resident()
    assert _topic(client, f"Bearer {other}", d.site_a.code, 99).status_code == 201


def test_forged_tokens_count_against_the_address_not_fresh_buckets(client, db):
    d = make_district()
    codes = [_topic(client, f"Bearer r.forged{n}", d.site_a.code, n).status_code
             for n in range(12)]
    assert 429 in codes, codes


def test_limits_behind_the_trusted_proxy_count_each_client(client, app, db):
    app.config["AUDIT_TRUSTED_PROXIES"] = 1
    try:
        # 25 people behind the district's reverse proxy: each has their own address.
        codes = [client.post("/api/v1/auth/login",
                             json={"username": f"nobody{n}", "password": "x" * 8},
                             headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                 for n in range(25)]
        assert 429 not in codes, codes
        # One client behind the proxy still meets the limit (20 a minute).
        same = [client.post("/api/v1/auth/login",
                            json={"username": f"again{n}", "password": "x" * 8},
                            headers={"X-Forwarded-For": "9.9.9.9, 198.51.100.200"}).status_code
                for n in range(21)]
        assert same[-1] == 429, same
    finally:
        app.config["AUDIT_TRUSTED_PROXIES"] = 0
