"""The API, the XLSX workbook and the PDF briefing: opened and read back."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2
from openpyxl import load_workbook

from server.evaluation import reports
from tests.evaluation.conftest import MARCH
from tests.factories import login, make_user


def _pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        parts = []
        for page in pdf:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(parts)
    finally:
        pdf.close()


def test_workbook_has_one_sheet_per_view_with_the_figures(world: Any) -> None:
    data, mimetype, _ = reports.report_file(world.district.id, MARCH, "xlsx")
    assert mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["四高与指标", "下级单元排名", "分类热力表", "周趋势", "热点话题"]
    overview = {row[0]: row[1] for row in book["四高与指标"].iter_rows(min_row=3, values_only=True)}
    assert overview["成事率"] == 0.4286
    assert overview["满意率"] == 0.75
    assert overview["收集意见（件）"] == 10
    assert overview["解决问题（件）"] == 3
    ranking = list(book["下级单元排名"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in ranking] == ["大冈镇", "龙冈镇"]
    assert ranking[1][1] == "—"  # 龙冈镇 has no population
    trend = list(book["周趋势"].iter_rows(min_row=3, values_only=True))
    assert sum(r[1] for r in trend) == 10


def test_briefing_pdf_text_contains_the_figures(world: Any) -> None:
    data, mimetype, _ = reports.report_file(world.town.id, MARCH, "pdf")
    assert mimetype == "application/pdf" and data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "龙冈镇" in text
    assert "40.0%" in text       # 成事率 2/5
    assert "100.0%" in text      # 满意率 2/2
    assert "未设人口" in text     # no population: counts, not a made-up rate
    assert "4.5" in text         # average days to answer
    assert "黄庄村" in text and "朱沟村" in text  # the ranking of its villages


def test_dashboard_api_is_scoped(world: Any, client: Any) -> None:
    town_supervisor = make_user("supervisor", unit_id=world.town.id)
    login(client, town_supervisor)
    response = client.get("/api/v1/evaluation/dashboard?start=2025-03-01&end=2025-03-31")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["figures"]["unit"]["name"] == "龙冈镇"  # the top of the user's scope
    assert body["figures"]["collected"] == 8
    assert body["definitions"]["success"]["name"] == "成事率"
    outside = client.get(f"/api/v1/evaluation/dashboard?unit_id={world.other_town.id}")
    assert outside.status_code == 403
    xlsx = client.get(f"/api/v1/evaluation/report?format=xlsx&unit_id={world.village_a.id}"
                      "&start=2025-03-01&end=2025-03-31")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_cli_writes_the_report(world: Any, app: Any, tmp_path: Any) -> None:
    from server.evaluation.cli import evaluation_cli

    runner = app.test_cli_runner()
    out = tmp_path / "brief.pdf"
    result = runner.invoke(evaluation_cli, ["report", "--unit-code", world.district.code,
                                            "--month", "2025-03", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "42.9%" in _pdf_text(out.read_bytes())
    result = runner.invoke(evaluation_cli, ["figures", "--month", "2025-03"])
    assert result.exit_code == 0 and '"collected": 10' in result.output
