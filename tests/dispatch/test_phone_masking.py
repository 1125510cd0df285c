"""Phone numbers written in free text are masked on every surface, in every written form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.common.models import utcnow
from server.common.text import mask_phones_in_text
from server.evaluation import wall
from server.extensions import db
from server.people.models import Expert
from server.people.services import issue_api_token
from tests.dispatch.factories import make_opinion
from tests.dispatch.test_access import tokens  # noqa: F401 - a fixture
from tests.factories import bearer

FORMS = {
    "13900005681": "139****5681",
    "139 0000 5678": "139****5678",
    "139-0000-5679": "139****5679",
    "１３９００００５６８０": "139****5680",
    "139.0000.5677": "139****5677",
    "+86 139 0000 5676": "+86 139****5676",
}
LEAKS = ("0000 5678", "0000-5679", "００００５６８０", "0000.5677", "00005681", "00005676")
TEXT = "路灯坏了，联系 " + "、".join(FORMS)


@pytest.mark.parametrize(("written", "masked"), FORMS.items())
def test_every_written_form_is_masked(written: str, masked: str) -> None:
    assert mask_phones_in_text(f"请联系{written}。") == f"请联系{masked}。"


def test_numbers_that_are_not_mobiles_stay() -> None:
    for text in ("编号2013900001111x", "金额 19000000 元", "电话 0515-88888888", "1234567890123"):
        assert mask_phones_in_text(text) == text


def leaks(body: Any) -> list[str]:
    return [digits for digits in LEAKS if digits in str(body)]


def test_similar_reports_mask_every_form(world: Any, client: Any) -> None:
    make_opinion(world.d.site_a, text="村口的路灯坏了好几天了，晚上出门很不安全。" + TEXT)
    found = client.post("/api/v1/intake/similar", json={
        "site_code": world.d.site_a.code, "text": "村口路灯坏了，晚上出门不安全"})
    assert found.status_code == 200 and found.get_json(), found.get_json()
    assert leaks(found.get_json()) == []


def test_wall_masks_every_form(world: Any) -> None:
    make_opinion(world.d.site_a, text=TEXT)
    db.session.commit()
    snap = wall.snapshot(world.d.district.id, now=utcnow() + timedelta(seconds=1))
    assert snap["reports"] and leaks(snap) == []


def test_case_text_is_masked_for_roles_whose_phone_column_is_masked(
        world: Any, client: Any, tokens: Any) -> None:  # noqa: F811
    o = make_opinion(world.d.site_a, text=TEXT)
    seen = client.get(f"/api/v1/cases/{o.id}", headers=tokens["supervisor"]).get_json()
    assert seen["phone_masked"] is True and leaks(seen) == [], seen["text"]
    listed = client.get("/api/v1/cases", headers=tokens["supervisor"]).get_json()
    assert leaks(listed) == []
    full = client.get(f"/api/v1/cases/{o.id}", headers=tokens["dispatcher"]).get_json()
    assert full["text"] == TEXT  # the phone roles read what the resident wrote


def test_an_expert_without_a_unit_is_masked_for_local_staff(world: Any, client: Any) -> None:
    expert = Expert(name="无单位专家", specialties="|roads|", keywords="||", unit_id=None,
                    phone="13812345678")
    db.session.add(expert)
    db.session.commit()
    town = bearer(issue_api_token(world.dispatcher)[0])  # 龙冈镇 only
    seen = client.get(f"/api/v1/experts/{expert.id}", headers=town).get_json()
    assert seen["phone"] == "138****5678", seen
    admin = bearer(issue_api_token(world.admin)[0])
    assert client.get(f"/api/v1/experts/{expert.id}", headers=admin).get_json()["phone"] \
        == "13812345678"
