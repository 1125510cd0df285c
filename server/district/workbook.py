"""The onboarding workbook: its sheets and columns, the template, and reading it back.

One XLSX with Chinese headers: 说明 (instructions), then 单位, 点位, 部门, 工作人员, 分派规则 and
节假日. Row 1 holds the headers, row 2 the template's example (skipped while unchanged).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    example: tuple[Any, ...]

    @property
    def headers(self) -> list[str]:
        """Return the Chinese headers in order."""
        return [c.header for c in self.columns]


SHEETS: tuple[Sheet, ...] = (
    Sheet("单位", (
        Column("编码", "code", True, "唯一，如 QX、QX01、QX01001"),
        Column("名称", "name", True),
        Column("上级编码", "parent", False, "区县本身留空"),
        Column("类型", "kind", True, "区、镇、街道、园区、高新区、村、社区"),
        Column("人口", "population", False, "整数，用于知晓率、参与率"),
        Column("排序", "sort_order", False, "整数，小的在前"),
        Column("撤销", "retire", False, "填“是”撤销该单元（须先无在用点位和下级）"),
    ), ("QX01", "示例镇", "QX", "镇", 32000, 1, "")),
    Sheet("点位", (
        Column("编号", "code", False, "已印在海报上的编号；新点位可留空，系统生成"),
        Column("名称", "name", True),
        Column("所属单位编码", "unit", True),
        Column("类型", "kind", False,
               "协商议事室（默认）、协商议事示范点、委员工作室、社情民意联系点"),
        Column("地址", "address", False),
        Column("纬度", "latitude", False, "如 33.3475"),
        Column("经度", "longitude", False, "如 120.1630"),
        Column("人口", "population", False, "服务人口，可留空"),
        Column("联系电话", "contact_phone", False),
        Column("示范点", "is_demo", False, "是 / 否"),
        Column("停用", "retire", False, "填“是”停用该点位（历史保留）"),
    ), ("", "示例村协商议事室", "QX01001", "协商议事室", "示例镇示例村党群服务中心", 33.3475,
        120.163, "", "0515-80000000", "否", "")),
    Sheet("部门", (
        Column("编码", "code", True, "唯一，如 JT"),
        Column("名称", "name", True),
        Column("所属单位编码", "unit", False, "留空为区县本级"),
        Column("电话", "phone", False),
        Column("负责人用户名", "head", False, "接收红色超时预警的负责人，须在“工作人员”中"),
        Column("停用", "retire", False, "填“是”停用该部门（历史保留）"),
    ), ("JT", "示例交通运输局", "", "0515-80000001", "", "")),
    Sheet("工作人员", (
        Column("用户名", "username", True, "登录名，字母数字；一人多个角色时写多行"),
        Column("姓名", "display_name", True),
        Column("手机", "phone", False),
        Column("角色", "role", True, "系统管理员、调度员、主持人、部门办理人、督查员、政协委员"),
        Column("范围", "scope", True, "“全区”，或单位编码、部门编码、点位编号"),
        Column("停用", "retire", False, "填“是”停用该账号（其登录立即失效）"),
    ), ("zhangsan", "张三", "13800000000", "调度员", "全区", "")),
    Sheet("分派规则", (
        Column("类别", "category", True, "道路交通、环境卫生、养老服务、农业农村、住房物业、其他"),
        Column("单位编码", "unit", False, "留空为全区；填写则只对该单元及下级有效"),
        Column("部门编码", "department", True),
    ), ("道路交通", "", "JT")),
    Sheet("节假日", (
        Column("日期", "day", True, "如 2027-10-01"),
        Column("类型", "kind", True, "放假 / 上班（调休补班）"),
        Column("名称", "name", False, "如 国庆节"),
    ), ("2027-10-01", "放假", "国庆节")),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}

INSTRUCTIONS = [
    "有事好商量 · 区县数据导入模板",
    "",
    "1. 每个工作表第 1 行是表头，请勿修改；第 2 行是示例，未改动时导入会自动跳过，可以删除或覆盖。",
    "2. 带 * 的列必填。编码在同一表内必须唯一；"
    "再次导入同一份表格不会重复创建（按编码更新，工作人员按用户名）。",
    "3. 导入前会检查全部数据，任何一处有问题都不会写入，并按“工作表、行、列”列出每个问题。",
    "4. 不会悄悄删除任何数据：要撤销单位、停用点位、部门或账号，请在“撤销/停用”列填“是”。",
    "5. 单位：区县本身“上级编码”留空，其余写上级的编码。"
    "点位：已有编号（已印海报）请照填，新点位可留空。",
    "6. 工作人员：一人多个角色时写多行（用户名相同）。"
    "范围填“全区”，或单位编码、部门编码、点位编号。",
    "7. 新账号获得一次性临时密码，只在导入完成时显示并可下载一次，首次登录必须修改。",
    "8. 节假日：填写国务院公布的放假日期和调休上班日期，覆盖系统自带的日历。",
]


def template_bytes() -> bytes:
    """Build the empty template: instructions, then one sheet per kind with an example row."""
    book = Workbook()
    guide = book.active
    assert guide is not None
    guide.title = "说明"
    for line in INSTRUCTIONS:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    guide["A1"].font = Font(bold=True, size=14)
    example_font = Font(italic=True, color="808080")
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        ws.append([c.header + (" *" if c.required else "") for c in sheet.columns])
        ws.append(list(sheet.example))
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            ws.cell(row=2, column=index).font = example_font
            letter = cell.column_letter
            ws.column_dimensions[letter].width = max(10, min(40, len(column.hint) + 6))
        ws.freeze_panes = "A2"
        guide.append([])
        guide.append([f"【{sheet.name}】"])
        for column in sheet.columns:
            guide.append([f"  {column.header}{'（必填）' if column.required else ''}："
                          f"{column.hint or '—'}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Row:
    sheet: str
    number: int  # the spreadsheet's row number (1-based, headers on row 1)
    values: dict[str, Any]


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Describe the problem for the API and the page."""
        where = self.sheet + (f" 第 {self.row} 行" if self.row else "") + \
            (f" “{self.column}”" if self.column else "")
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message, "text": f"{where}：{self.message}"}


@dataclass
class Parsed:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def _header_key(text: Any) -> str:
    return str(text or "").replace("*", "").replace("（必填）", "").strip()


def read_workbook(data: bytes) -> Parsed:
    """Read every sheet's rows by header name; unknown or missing columns are problems."""
    parsed = Parsed()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not XLSX
        parsed.problems.append(Problem("文件", None, None,
                                       "无法读取该文件，请上传用模板填写的 .xlsx 工作簿"))
        return parsed
    try:
        for sheet in SHEETS:
            parsed.rows[sheet.name] = []
            if sheet.name not in book.sheetnames:
                continue  # a sheet left out is nothing to import
            _read_sheet(book[sheet.name], sheet, parsed)
    finally:
        book.close()
    return parsed


def _read_sheet(ws: Any, sheet: Sheet, parsed: Parsed) -> None:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    by_header = {c.header: c for c in sheet.columns}
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        name = _header_key(text)
        if not name:
            continue
        if name not in by_header:
            parsed.problems.append(Problem(sheet.name, 1, name, "不认识的列，请使用模板的表头"))
            continue
        positions[by_header[name].key] = index
    for column in sheet.columns:
        if column.required and column.key not in positions:
            parsed.problems.append(Problem(sheet.name, 1, column.header, "缺少这一列"))
    example = tuple(_clean(v) for v in sheet.example)
    for number, raw in enumerate(rows, start=2):
        values = {key: _clean(raw[i]) if i < len(raw) else None for key, i in positions.items()}
        if all(v is None for v in values.values()):
            continue
        if number == 2 and tuple(values.get(c.key) for c in sheet.columns) == example:
            continue  # the template's example, left as it was
        parsed.rows[sheet.name].append(Row(sheet.name, number, values))


def header_of(sheet: str, key: str) -> str:
    """Return the Chinese header of a column key."""
    return next(c.header for c in SHEET_BY_NAME[sheet].columns if c.key == key)


def as_date(value: Any) -> date | None:
    """Read a date cell or text (2027-10-01, 2027/10/01, 2027.10.01); None if it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-") \
            .replace("日", "")
        try:
            return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
        except ValueError:
            return None
    return None
