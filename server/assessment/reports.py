"""The performance-assessment workbook: departments, sites, demo-site shortfall, formula."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from server.assessment import services
from server.people.models import User

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _score_rows(kind: str, data: dict[str, Any]) -> tuple[list[list[Any]], set[int]]:
    """Return a ranking sheet's rows (headers first) and which columns hold rates."""
    components = services.COMPONENTS[kind]
    penalties = services.PENALTIES[kind]
    head = ["排名", "名称"] + (["所属单元", "示范点"] if kind == "site" else [])
    first_rate = len(head) + 1
    head += [name for _k, name, _f in components]
    head += [f"{name}（次）" for _k, name, _f in penalties]
    head += ["扣分", "得分"]
    head += (["已举行活动", "应开展活动"] if kind == "site" else ["承办件数"])
    rows: list[list[Any]] = [head]
    for item in data["items"]:
        row: list[Any] = [item["rank"], item["name"]]
        if kind == "site":
            row += [item["unit_name"], "是" if item["is_demo"] else "否"]
        row += [c["rate"] for c in item["components"]]
        row += [p["count"] for p in item["penalties"]]
        row += [item["deducted"], item["score"]]
        facts = item["facts"]
        row += ([facts["activities"], facts["required_activities"]] if kind == "site"
                else [facts["cases"]])
        rows.append(row)
    return rows, set(range(first_rate, first_rate + len(components)))


def _formula_rows(settings: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["项目", "数值", "说明"], ["计分公式", "", settings["formula"]]]
    for kind, label in (("department", "部门"), ("site", "点位")):
        for comp in settings["components"][kind]:
            rows.append([f"{label}分项：{comp['name']}", "", comp["formula"]])
        for pen in settings["penalties"][kind]:
            rows.append([f"{label}扣分：{pen['name']}", "", pen["formula"]])
    for item in settings["settings"]:
        group = "部门" if item["group"] == "department" else "点位"
        rows.append([f"{group}：{item['name']}", item["value"], f"默认 {item['default']:g}"])
    return rows


def workbook_bytes(departments: dict[str, Any], sites: dict[str, Any],
                   shortfall: dict[str, Any], settings: dict[str, Any]) -> bytes:
    """Write the workbook: one sheet each for departments, sites, shortfall and the formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from server.common.tables import storable_cell

    label = departments["period"]["label"]
    dept_rows, dept_rates = _score_rows("department", departments)
    site_rows, site_rates = _score_rows("site", sites)
    short_rows: list[list[Any]] = [["示范点", "所属单元", "已举行", "年度要求", "差额",
                                    "按进度应开展", "状态"]]
    short_rows += [[s["name"], s["unit_name"], s["held"], s["required"], s["short"],
                    s["expected_to_date"], s["status_name"]] for s in shortfall["sites"]]
    sheets = [
        ("部门得分", f"部门考评得分 · {label}", dept_rows, dept_rates),
        ("点位得分", f"点位考评得分 · {label}", site_rows, site_rates),
        ("示范点活动", f"示范点活动开展情况 · {shortfall['year']}年（截至 {shortfall['as_of']}）"
                       f" · {shortfall['rule']}", short_rows, set()),
        ("计分公式", "计分公式与权重", _formula_rows(settings), set()),
    ]
    book = Workbook()
    book.remove(book.active)
    for name, title, rows, rate_columns in sheets:
        sheet = book.create_sheet(name)
        sheet.append([f"有事好商量 · {title}"])
        sheet["A1"].font = Font(bold=True, size=13)
        for row in rows:
            sheet.append(["—" if value is None else storable_cell(value) for value in row])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                if cell.column in rate_columns and isinstance(cell.value, float):
                    cell.number_format = "0.0%"
        sheet.column_dimensions["A"].width = 28 if name == "计分公式" else 10
        sheet.column_dimensions["B"].width = 28
        if name == "计分公式":
            sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_for(user: User, args: dict[str, Any]) -> tuple[bytes, str]:
    """Return the assessment workbook of the period within the user's scope, and its filename."""
    departments = services.department_scores_for(user, args)
    sites = services.site_scores_for(user, args)
    year = int(departments["period"]["start"][:4])
    shortfall = services.demo_shortfall_for(user, {"year": year})
    data = workbook_bytes(departments, sites, shortfall, services.settings_payload())
    filename = quote(f"考评得分-{departments['period']['label']}.xlsx")
    return data, filename
