"""The resident phone page in Chromium at 360×640: report with a photo, follow up, rate."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.intake.models import Opinion, OpinionPhoto
from tests.factories import make_district
from tests.intake.factories import answer_via_dispatch, categories, jpeg_bytes

pytestmark = pytest.mark.browser

# Relative luminance contrast of each visible text element against its nearest opaque
# background, and the size of every tappable control.
AUDIT_JS = """
() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
      : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const bg = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const visible = (n) => { const r = n.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(n).visibility !== "hidden"; };
  const low = [];
  for (const n of document.querySelectorAll("body *")) {
    if (!visible(n)) continue;
    const own = Array.from(n.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own) continue;
    const fg = parse(getComputedStyle(n).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(bg(n))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) low.push(`${n.tagName}#${n.id}.${n.className} ${ratio.toFixed(2)}`);
  }
  const small = [];
  const tappable = "button, a, select, textarea, label.check, .chips label, "
    + "input:not([type=checkbox]):not([type=radio]):not([type=file])";
  for (const n of document.querySelectorAll(tappable)) {
    if (!visible(n)) continue;
    const r = n.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) small.push(`${n.tagName}#${n.id} ${r.width}x${r.height}`);
  }
  return { low, small, base: getComputedStyle(document.body).fontSize };
}
"""


def test_report_with_photo_then_answer_and_rating(live_server, phone, artifacts, tmp_path, db):
    d = make_district()
    categories()
    url = f"{live_server.url}/s/{d.site_a.code}"
    responses = []
    phone.on("requestfinished", lambda request: responses.append(request))

    phone.goto(url)
    phone.wait_for_function(
        "document.getElementById('site-village').textContent.includes('黄庄村')")
    phone.wait_for_load_state("networkidle")
    first_load = 0
    for request in responses:
        sizes = request.sizes()
        first_load += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    assert first_load < 100 * 1024, f"first load transferred {first_load} bytes"
    (artifacts / "intake-first-load.txt").write_text(
        f"first load: {first_load} bytes over {len(responses)} requests\n"
        + "\n".join(r.url for r in responses) + "\n", encoding="utf-8")

    # Elder-friendly: 18px base, 24px large, the choice survives a reload.
    audit = phone.evaluate(AUDIT_JS)
    assert audit["base"] == "18px"
    assert audit["low"] == [] and audit["small"] == [], audit
    phone.click("#large-toggle")
    assert phone.evaluate("getComputedStyle(document.body).fontSize") == "24px"
    phone.reload()
    phone.wait_for_function("document.getElementById('site-name').textContent.includes('黄庄村')")
    assert phone.evaluate("getComputedStyle(document.body).fontSize") == "24px"
    phone.click("#large-toggle")
    assert phone.evaluate("getComputedStyle(document.body).fontSize") == "18px"

    # The form: tap a category, write the matter, add a photo (with GPS in its EXIF).
    phone.click("#go-report")
    phone.click("#category-chips label:has-text('道路交通')")
    phone.fill("#text", "黄庄村村口的路灯坏了一个多星期，晚上老人出门看不清路")
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(jpeg_bytes((1600, 1200), gps=True, color="navy"))
    phone.set_input_files("#photo-input", str(photo))
    phone.wait_for_selector("#thumbs .thumb img")
    phone.wait_for_function("document.querySelector('#thumbs img').naturalWidth > 0")
    audit = phone.evaluate(AUDIT_JS)
    assert audit["low"] == [] and audit["small"] == [], audit
    phone.screenshot(path=str(artifacts / "intake-report-form.png"), full_page=True)
    # First report: refused until the privacy notice is agreed to (PIPL).
    assert "个人信息保护告知" in phone.locator("#privacy-notice summary").inner_text()
    phone.click("#submit")
    phone.wait_for_selector("#form-error:not([hidden])")
    assert "个人信息保护告知" in phone.locator("#form-error").inner_text()
    phone.check("#consent")
    phone.click("#submit")
    phone.wait_for_selector("#view-receipt:not([hidden])")
    number = phone.locator("#receipt-no").inner_text()
    assert number.startswith("YD") and len(number) == len("YD20261128-0042")

    db.session.rollback()
    opinion = db.session.scalar(select(Opinion).where(Opinion.tracking_no == number))
    assert opinion is not None and opinion.category.name == "道路交通"
    assert db.session.scalar(select(OpinionPhoto.opinion_id)) == opinion.id

    # Staff answer it through the dispatch workflow.
    answer_via_dispatch(d, number, "已更换村口路灯灯头，今晚起恢复照明。")

    # The resident opens the report, reads the answer and rates it.
    phone.click("#receipt-open")
    phone.wait_for_selector("#detail-answer-box:not([hidden])")
    assert "恢复照明" in phone.locator("#detail-answer").inner_text()
    assert phone.locator("#detail-status").inner_text() == "已答复"
    steps = phone.locator("#detail-timeline li strong").all_inner_texts()
    assert steps[0] == "已收到" and steps[-1] == "已答复"
    phone.wait_for_function("document.querySelector('#detail-photos img').naturalWidth > 0")
    phone.click(".choice[data-rating='satisfied']")
    phone.fill("#rating-comment", "修得很快，谢谢")
    phone.click("#rating-submit")
    phone.wait_for_selector("#rated-box:not([hidden])")
    assert phone.locator("#rated-text").inner_text() == "满意：修得很快，谢谢"
    assert phone.locator("#detail-status").inner_text() == "已办结"
    phone.screenshot(path=str(artifacts / "intake-answered-report.png"), full_page=True)

    db.session.rollback()
    db.session.refresh(opinion)
    assert opinion.rating == "satisfied" and opinion.state == "closed"

    # "My reports" lists it with the phone masked and the final status.
    phone.goto(f"{url}#/mine")
    phone.wait_for_selector("#mine-list li")
    assert "已办结" in phone.locator("#mine-list").inner_text()
