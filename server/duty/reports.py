"""The yearly members' duty workbook (委员履职考核): members, circles, sectors, formula."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from server.duty import services
from server.people.models import User

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def member_rows(data: dict[str, Any]) -> list[list[Any]]:
    """Return the members sheet's rows, headers first."""
    kinds = list(services.KINDS.values())
    rows: list[list[Any]] = [["排名", "姓名", "界别", "板块", "挂钩点位", *kinds, "得分",
                              "挂钩点位活动", "年度要求", "差额"]]
    for item in data["items"]:
        rows.append([item["rank"], item["name"], item["circle"], item["sector"],
                     "、".join(item["sites"]), *[i["count"] for i in item["items"]],
                     item["score"], item["site_activities"], item["required_site_activities"],
                     item["shortfall"]])
    return rows


def export_for(user: User, year: int | None) -> tuple[bytes, str]:
    """Build the workbook of a year; return its bytes and file name."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = services.scores(user, year)
    settings = services.settings_payload()
    book = Workbook()
    sheets = [
        ("委员履职", member_rows(data)),
        ("界别汇总", [["界别", "委员人数", "平均得分", "履职次数", "履职不足人数"]]
         + [[g["name"], g["members"], g["average"], g["events"], g["short"]]
            for g in data["circles"]]),
        ("板块汇总", [["板块", "委员人数", "平均得分", "履职次数", "履职不足人数"]]
         + [[g["name"], g["members"], g["average"], g["events"], g["short"]]
            for g in data["sectors"]]),
        ("计分公式", [["项目", "数值"], ["计分公式", settings["formula"]]]
         + [[s["name"], s["value"]] for s in settings["settings"]]),
    ]
    first = True
    for title, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    name = quote(f"{data['year']}年委员履职考核.xlsx")
    return out.getvalue(), name
