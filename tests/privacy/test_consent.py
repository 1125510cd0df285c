"""A resident's first report needs their consent to the privacy notice; it is kept once."""

from __future__ import annotations

from sqlalchemy import func, select

from server.intake.consent import PrivacyConsent
from server.intake.models import Opinion
from tests.factories import make_district, make_resident
from tests.intake.factories import categories, report


def test_first_report_without_consent_is_refused_then_consent_is_remembered(client, db):
    d = make_district()
    cats = categories()
    resident, token = make_resident()
    refused = report(client, token, d.site_a.code, cats["道路交通"], consent=None)
    assert refused.status_code == 422, refused.get_json()
    body = refused.get_json()
    assert body["code"] == "consent_required" and "个人信息保护告知" in body["message"]
    assert "consent" in body["errors"]
    assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0
    assert db.session.get(PrivacyConsent, resident.id) is None

    first = report(client, token, d.site_a.code, cats["道路交通"], consent=True)
    assert first.status_code == 201, first.get_json()
    assert db.session.get(PrivacyConsent, resident.id).version
    # Agreed once: later reports need not repeat it.
    later = report(client, token, d.site_a.code, cats["环境卫生"], text="垃圾桶满了没人清理",
                   consent=None)
    assert later.status_code == 201, later.get_json()
