"""Reports: the monthly XLSX workbook (one sheet per view) and the PDF briefing (专报)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from server.common.numbers import percent_text
from server.evaluation import services
from server.evaluation.topics import hot_topics

RATE_LABELS = [(k, services.DEFINITIONS[k]["name"]) for k in services.RATE_KEYS]
COUNTERS = [
    ("activities", "开展活动（场）"), ("collected", "收集意见（件）"), ("solved", "解决问题（件）"),
    ("avg_answer_days", "平均答复天数"), ("overdue_share", "超期占比"),
]


def percent(value: float | None) -> str:
    """Format a 0–1 rate for people (half up); no rate is a dash with the reason elsewhere."""
    return percent_text(value)


def counter_text(key: str, value: Any) -> str:
    """Format a counter for people."""
    if value is None:
        return "—"
    if key == "overdue_share":
        return percent(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def rate_note(figures: dict[str, Any], key: str) -> str:
    """Explain a missing rate (no population, nothing rated, nothing accepted)."""
    if figures[key] is not None:
        return ""
    if key in {"awareness", "participation"}:
        if figures["unit"]["population"] is None:
            count = figures["visitors"] if key == "awareness" else figures["participants"]
            return f"未设人口，仅计人数：{count if count is not None else '—'}"
        return "扫码数据暂不可用"
    if key == "satisfaction":
        return "暂无评价"
    return "暂无受理件"


def build_report(unit_id: int, period: services.Period) -> dict[str, Any]:
    """Collect everything a report shows: dashboard and hot topics of the unit and period."""
    data = services.dashboard(unit_id, period)
    data["topics"] = hot_topics(unit_id, period, limit=10)
    return data


def _sheet_rows(data: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """Return the rows of every sheet (headers first)."""
    f = data["figures"]
    defs = data["definitions"]
    overview: list[list[Any]] = [["指标", "数值", "口径", "说明"]]
    for key, name in RATE_LABELS:
        overview.append([name, f[key], defs[key]["formula"], rate_note(f, key) or
                         defs[key]["note"]])
    for key, name in COUNTERS:
        overview.append([name, f[key], defs[key]["formula"], ""])
    overview.append(["单元人口", f["unit"]["population"], "", ""])

    head = ["单元", "人口", "知晓率", "参与率", "成事率", "满意率", "收集意见", "已受理",
            "解决问题", "已评价", "平均答复天数", "超期占比", "开展活动"]
    children = [head] + [[r["unit"]["name"], r["unit"]["population"], r["awareness"],
                          r["participation"], r["success"], r["satisfaction"], r["collected"],
                          r["accepted"], r["solved"], r["rated"], r["avg_answer_days"],
                          r["overdue_share"], r["activities"]] for r in data["ranking"]]
    heat = data["heat"]
    heat_rows = [["分类"] + [u["name"] for u in heat["units"]] + ["合计"]]
    for category, cells in zip(heat["categories"], heat["cells"], strict=True):
        heat_rows.append([category["name"], *cells, category["total"]])
    trend = [["周（周一）", "收集意见", "解决问题"]] + [
        [w["week"], w["collected"], w["solved"]] for w in data["trend"]]
    topics = [["热点话题", "关键词", "件数"] + data["topics"]["weeks"]] + [
        [t["label"], "、".join(t["keywords"]), t["count"], *t["weeks"]]
        for t in data["topics"]["topics"]]
    return {"四高与指标": overview, "下级单元排名": children, "分类热力表": heat_rows,
            "周趋势": trend, "热点话题": topics}


def workbook_bytes(data: dict[str, Any]) -> bytes:
    """Write the workbook: one sheet per dashboard view, rates as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from server.common.tables import storable_cell

    book = Workbook()
    book.remove(book.active)
    title = f"{data['figures']['unit']['name']} {data['period']['label']}"
    rate_columns = {"下级单元排名": {2, 3, 4, 5, 11}}
    for name, rows in _sheet_rows(data).items():
        sheet = book.create_sheet(name)
        sheet.append([f"有事好商量 评价研判 · {title}"])
        sheet["A1"].font = Font(bold=True, size=13)
        for row in rows:
            sheet.append([storable_cell(value) for value in row])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                is_rate = (cell.column - 1 in rate_columns.get(name, set())) or (
                    name == "四高与指标" and cell.column == 2 and cell.row in {3, 4, 5, 6, 11})
                if is_rate and isinstance(cell.value, float):
                    cell.number_format = "0.0%"
                if cell.value is None and cell.column > 1 and name != "四高与指标":
                    cell.value = "—"
        sheet.column_dimensions["A"].width = 18
        if name == "四高与指标":
            sheet.column_dimensions["C"].width = 48
            sheet.column_dimensions["D"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def briefing_pdf(data: dict[str, Any]) -> bytes:
    """Write the printable briefing (专报): figures with definitions, ranking and charts."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from qr.fonts import find_cjk_font, register_font

    font = register_font(find_cjk_font())
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=8,
                        spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10.5)
    f = data["figures"]
    unit_name = f["unit"]["name"]
    grid = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e4d3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])
    story: list[Any] = [
        Paragraph(f"有事好商量 · 评价研判专报（{unit_name}）", h1),
        Paragraph(f"统计期：{data['period']['label']}　"
                  f"人口：{f['unit']['population'] or '未设'}", body),
        Paragraph("一、“四高”指标", h2),
    ]
    rows: list[list[Any]] = [["指标", "数值", "口径"]]
    for key, name in RATE_LABELS:
        note = rate_note(f, key)
        rows.append([name, percent(f[key]),
                     Paragraph(data["definitions"][key]["formula"]
                               + (f"（{note}）" if note else ""), small)])
    story.append(Table(rows, colWidths=[28 * mm, 24 * mm, 118 * mm], style=grid))
    story.append(Paragraph("二、工作量", h2))
    rows = [["指标", "数值", "口径"]] + [
        [name, counter_text(key, f[key]), Paragraph(data["definitions"][key]["formula"], small)]
        for key, name in COUNTERS]
    story.append(Table(rows, colWidths=[34 * mm, 24 * mm, 112 * mm], style=grid))

    trend = data["trend"]
    if trend:
        story.append(Paragraph("三、每周收集与解决", h2))
        drawing = Drawing(170 * mm, 62 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 46 * mm
        chart.data = [[w["collected"] for w in trend], [w["solved"] for w in trend]]
        chart.categoryAxis.categoryNames = [w["week"][5:] for w in trend]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#b5452b")
        chart.bars[1].fillColor = colors.HexColor("#3b7d4f")
        drawing.add(chart)
        drawing.add(String(120 * mm, 58 * mm, "■ 收集意见", fontName=font, fontSize=8,
                           fillColor=colors.HexColor("#b5452b")))
        drawing.add(String(145 * mm, 58 * mm, "■ 解决问题", fontName=font, fontSize=8,
                           fillColor=colors.HexColor("#3b7d4f")))
        story.append(drawing)

    if data["ranking"]:
        story.append(Paragraph("四、下级单元排名（按成事率）", h2))
        rows = [["名次", "单元", "收集", "解决", "成事率", "满意率", "参与率", "超期占比"]]
        for n, r in enumerate(data["ranking"], 1):
            rows.append([n, r["unit"]["name"], r["collected"], r["solved"],
                         percent(r["success"]), percent(r["satisfaction"]),
                         percent(r["participation"]), percent(r["overdue_share"])])
        story.append(Table(rows, repeatRows=1, style=grid))

    topics = data["topics"]["topics"]
    if topics:
        story.append(Paragraph("五、热点话题", h2))
        rows = [["话题", "件数", "关键词"]] + [
            [t["label"], t["count"], Paragraph("、".join(t["keywords"]), small)]
            for t in topics]
        story.append(Table(rows, colWidths=[60 * mm, 16 * mm, 94 * mm], style=grid))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("注：比率无数据时显示“—”（没有评价不计满意率，未设人口不计知晓率、参与率）。",
                           small))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"评价研判专报 {unit_name}",
                      leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm).build(story)
    return buffer.getvalue()


def report_file(unit_id: int, period: services.Period, fmt: str) -> tuple[bytes, str, str]:
    """Return (bytes, mimetype, file name) of the workbook or the briefing."""
    data = build_report(unit_id, period)
    name = f"评价研判_{data['figures']['unit']['name']}_{period.start:%Y%m%d}-" \
           f"{period.last:%Y%m%d}"
    if fmt == "pdf":
        return briefing_pdf(data), "application/pdf", quote(name + ".pdf")
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return workbook_bytes(data), mimetype, quote(name + ".xlsx")


def report_for(user: Any, args: dict[str, Any]) -> tuple[bytes, str, str]:
    """Return the report the user asked for, within their scope."""
    unit = services.scoped_unit(user, args.get("unit_id"))
    return report_file(unit.id, services.period_from_args(args), args.get("format", "xlsx"))
