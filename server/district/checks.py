"""Check every row of a district workbook against the database and the other sheets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.district.rules import (
    CODE,
    DISTRICT_WORDS,
    HOLIDAY_WORDS,
    SITE_CODE,
    USERNAME,
    WORKDAY_WORDS,
)
from server.district.rules import kind_of as _kind
from server.district.rules import yes as _yes
from server.district.workbook import Parsed, Problem, Row, as_date, header_of
from server.extensions import db
from server.intake.categories import DEFAULT_CATEGORIES
from server.intake.models import Category
from server.people.accounts import GrantSpec, admin_covers
from server.people.models import ROLES, User
from server.sites.models import SITE_KINDS, UNIT_KINDS, Department, Site, Unit


class Checker:
    """Validate all sheets against the database and each other; collect every problem."""

    def __init__(self, parsed: Parsed, actor: User) -> None:
        self.parsed = parsed
        self.actor = actor
        self.problems: list[Problem] = list(parsed.problems)
        self.units = {u.code: u for u in db.session.scalars(select(Unit))}
        self.unit_codes = {u.id: u.code for u in self.units.values()}
        self.sites = {s.code: s for s in db.session.scalars(select(Site))}
        self.departments = {d.code: d for d in db.session.scalars(select(Department))}
        self.users = {u.username: u for u in db.session.scalars(select(User))}
        self.categories = {c.code: c for c in db.session.scalars(select(Category))}
        self.sheet_units: dict[str, Row] = {}
        self.sheet_sites: dict[str, Row] = {}
        self.sheet_departments: dict[str, Row] = {}
        self.sheet_staff: dict[str, list[Row]] = {}

    def add(self, row: Row, key: str | None, message: str) -> None:
        column = header_of(row.sheet, key) if key else None
        self.problems.append(Problem(row.sheet, row.number, column, message))

    def text(self, row: Row, key: str, max_len: int, required: bool = False) -> str | None:
        value = row.values.get(key)
        text = None if value is None else str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not text:
            if required:
                self.add(row, key, "必填")
            return None
        if len(text) > max_len:
            self.add(row, key, f"太长，最多 {max_len} 个字")
        return text

    def integer(self, row: Row, key: str, low: int = 0) -> int | None:
        value = row.values.get(key)
        if value is None:
            return None
        try:
            number = int(float(str(value).replace(",", "")))
        except ValueError:
            self.add(row, key, "应为整数")
            return None
        if number < low:
            self.add(row, key, f"应不小于 {low}")
        return number

    def number(self, row: Row, key: str, low: float, high: float) -> float | None:
        value = row.values.get(key)
        if value is None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.add(row, key, "应为数字")
            return None
        if not low <= number <= high:
            self.add(row, key, f"应在 {low} 到 {high} 之间")
        return number

    def flag(self, row: Row, key: str) -> bool:
        answer = _yes(row.values.get(key))
        if answer is None:
            self.add(row, key, "只能填“是”或“否”（或留空）")
            return False
        return answer

    # -- the sheets -------------------------------------------------------------------------

    def run(self) -> None:
        for row in self.parsed.rows.get("单位", []):
            self.check_unit(row)
        self.check_unit_tree()
        for row in self.parsed.rows.get("部门", []):
            self.check_department(row)
        for row in self.parsed.rows.get("点位", []):
            self.check_site(row)
        for row in self.parsed.rows.get("工作人员", []):
            self.check_staff(row)
        self.check_staff_consistency()
        for row in self.parsed.rows.get("部门", []):
            head = self.text(row, "head", 64)
            if head and head not in self.users and head not in self.sheet_staff:
                self.add(row, "head", f"找不到用户名为 {head} 的工作人员")
        self.check_routes()
        self.check_holidays()
        self.check_retirements()

    def check_unit(self, row: Row) -> None:
        code = self.text(row, "code", 32, True)
        self.text(row, "name", 64, True)
        if row.values.get("kind") is not None and _kind(row.values["kind"], UNIT_KINDS) is None:
            self.add(row, "kind", f"不认识的类型，应为：{'、'.join(UNIT_KINDS.values())}")
        elif row.values.get("kind") is None:
            self.add(row, "kind", "必填")
        self.integer(row, "population")
        self.integer(row, "sort_order", low=-1_000_000)
        self.flag(row, "retire")
        if code is None:
            return
        if not CODE.match(code):
            self.add(row, "code", "编码只能用字母、数字、_ 和 -")
        elif code in self.sheet_units:
            self.add(row, "code", f"编码重复（与第 {self.sheet_units[code].number} 行相同）")
        else:
            self.sheet_units[code] = row

    def _parent_code(self, code: str) -> str | None:
        row = self.sheet_units.get(code)
        if row is not None:
            parent = row.values.get("parent")
            return None if parent is None else str(parent).strip()
        unit = self.units.get(code)
        if unit is None or unit.parent_id is None:
            return None
        return self.unit_codes.get(unit.parent_id)

    def check_unit_tree(self) -> None:
        roots = {u.code for u in self.units.values() if u.parent_id is None}
        for code, row in self.sheet_units.items():
            parent = self._parent_code(code)
            if parent is None:
                roots.add(code)
                continue
            if parent not in self.sheet_units and parent not in self.units:
                self.add(row, "parent", f"找不到编码为 {parent} 的上级单位")
                continue
            seen = {code}
            walk: str | None = parent
            while walk is not None:
                if walk in seen:
                    self.add(row, "parent", "上下级关系形成了循环")
                    break
                seen.add(walk)
                walk = self._parent_code(walk)
        if len(roots) > 1:
            for code in sorted(roots):
                if code in self.sheet_units:
                    self.add(self.sheet_units[code], "parent",
                             "只能有一个区县（上级编码为空）的单元；其余单元请填写上级编码")

    def unit_usable(self, code: str) -> bool:
        row = self.sheet_units.get(code)
        if row is not None:
            return _yes(row.values.get("retire")) is not True
        unit = self.units.get(code)
        return unit is not None and unit.active

    def check_department(self, row: Row) -> None:
        code = self.text(row, "code", 32, True)
        self.text(row, "name", 64, True)
        self.text(row, "phone", 32)
        unit = self.text(row, "unit", 32)
        if unit and not self.unit_usable(unit):
            self.add(row, "unit", f"找不到在用的单位 {unit}")
        self.flag(row, "retire")
        if code is None:
            return
        if not CODE.match(code):
            self.add(row, "code", "编码只能用字母、数字、_ 和 -")
        elif code in self.sheet_departments:
            self.add(row, "code", f"编码重复（与第 {self.sheet_departments[code].number} 行相同）")
        else:
            self.sheet_departments[code] = row

    def check_site(self, row: Row) -> None:
        code = self.text(row, "code", 16)
        name = self.text(row, "name", 128, True)
        unit = self.text(row, "unit", 32, True)
        retiring = _yes(row.values.get("retire")) is True
        known = unit in self.sheet_units or unit in self.units
        # A site retired with its unit may name that unit; any other needs one in use.
        if unit and not (self.unit_usable(unit) or (retiring and known)):
            self.add(row, "unit", f"找不到在用的单位 {unit}")
        if row.values.get("kind") is not None and _kind(row.values["kind"], SITE_KINDS) is None:
            self.add(row, "kind", f"不认识的类型，应为：{'、'.join(SITE_KINDS.values())}")
        self.text(row, "address", 255)
        self.text(row, "contact_phone", 32)
        lat = self.number(row, "latitude", -90, 90)
        lng = self.number(row, "longitude", -180, 180)
        if (lat is None) != (lng is None):
            self.add(row, "latitude" if lat is None else "longitude", "纬度和经度须同时填写")
        self.integer(row, "population")
        self.flag(row, "is_demo")
        self.flag(row, "retire")
        if code is not None:
            code = code.upper()
            if not SITE_CODE.match(code):
                self.add(row, "code", "编号应为 4 到 16 位大写字母或数字")
                return
            key = code
        else:
            key = f"{unit}\x00{name}"
        if key in self.sheet_sites:
            self.add(row, "code" if code else "name",
                     f"与第 {self.sheet_sites[key].number} 行是同一个点位")
        else:
            self.sheet_sites[key] = row

    def scope_of(self, row: Row, scope: str) -> GrantSpec | None:
        role = _kind(row.values.get("role"), ROLES) or "admin"
        if scope in DISTRICT_WORDS:
            return GrantSpec(role)
        found = []
        if scope in self.sheet_units or scope in self.units:
            if not self.unit_usable(scope):
                self.add(row, "scope", f"单位 {scope} 已撤销")
                return None
            found.append("unit")
        if scope in self.sheet_departments or scope in self.departments:
            found.append("department")
        if scope.upper() in self.sites or scope.upper() in self.sheet_sites:
            found.append("site")
        if not found:
            self.add(row, "scope", f"找不到编码为 {scope} 的单位、部门或点位（全区请填“全区”）")
            return None
        if len(found) > 1:
            self.add(row, "scope", f"编码 {scope} 同时是单位、部门或点位的编码，无法判断")
            return None
        return GrantSpec(role, **{f"{found[0]}_id": 0})  # the id is resolved when writing

    def check_staff(self, row: Row) -> None:
        username = self.text(row, "username", 64, True)
        self.text(row, "display_name", 64, True)
        self.text(row, "phone", 32)
        if row.values.get("role") is None:
            self.add(row, "role", "必填")
        elif _kind(row.values["role"], ROLES) is None:
            self.add(row, "role", f"不认识的角色，应为：{'、'.join(ROLES.values())}")
        scope = self.text(row, "scope", 32, True)
        retire = self.flag(row, "retire")
        if scope:
            spec = self.scope_of(row, scope)
            if spec is not None and spec.district_wide and not admin_covers(self.actor, spec):
                self.add(row, "scope", "您的管理范围不是全区，不能授予全区范围的角色")
        if username is None:
            return
        if not USERNAME.match(username):
            self.add(row, "username", "用户名只能用字母、数字和 _ . @ -，2 到 64 位")
        if retire and username not in self.users:
            self.add(row, "retire", "新账号无需停用：请删除这一行")
        self.sheet_staff.setdefault(username, []).append(row)

    def check_staff_consistency(self) -> None:
        for rows in self.sheet_staff.values():
            first = rows[0]
            for row in rows[1:]:
                for key in ("display_name", "phone", "retire"):
                    if row.values.get(key) != first.values.get(key):
                        self.add(row, key, f"同一用户名的各行应一致（与第 {first.number} 行不同）")

    def check_routes(self) -> None:
        names = {name: code for code, name, _kind in DEFAULT_CATEGORIES}
        names.update({c.name: c.code for c in self.categories.values()})
        seen: dict[tuple[str, str | None], int] = {}
        for row in self.parsed.rows.get("分派规则", []):
            category = self.text(row, "category", 32, True)
            unit = self.text(row, "unit", 32)
            department = self.text(row, "department", 32, True)
            code = None
            if category:
                code = category if category in self.categories or category in dict(
                    (c, c) for c, _n, _k in DEFAULT_CATEGORIES) else names.get(category)
                if code is None:
                    self.add(row, "category", f"找不到类别 {category}")
            if unit and not self.unit_usable(unit):
                self.add(row, "unit", f"找不到在用的单位 {unit}")
            if department and department not in self.sheet_departments \
                    and department not in self.departments:
                self.add(row, "department", f"找不到编码为 {department} 的部门")
            if code:
                key = (code, unit or None)
                if key in seen:
                    self.add(row, "category", f"与第 {seen[key]} 行重复（同一类别和单位）")
                seen[key] = row.number
                row.values["category_code"] = code

    def check_holidays(self) -> None:
        seen: dict[Any, int] = {}
        for row in self.parsed.rows.get("节假日", []):
            day = as_date(row.values.get("day"))
            if row.values.get("day") is None:
                self.add(row, "day", "必填")
            elif day is None:
                self.add(row, "day", "日期格式应为 2027-10-01")
            kind = str(row.values.get("kind") or "").strip()
            if not kind:
                self.add(row, "kind", "必填")
            elif kind not in WORKDAY_WORDS | HOLIDAY_WORDS:
                self.add(row, "kind", "应为“放假”或“上班”")
            self.text(row, "name", 64)
            if day is not None:
                if day in seen:
                    self.add(row, "day", f"日期与第 {seen[day]} 行重复")
                seen[day] = row.number
                row.values["date"] = day

    def check_retirements(self) -> None:
        """A unit may be retired only when nothing in use is left under it."""
        for code, row in self.sheet_units.items():
            if _yes(row.values.get("retire")) is not True:
                continue
            for child_code, child in self.sheet_units.items():
                if self._parent_code(child_code) == code and \
                        _yes(child.values.get("retire")) is not True:
                    self.add(row, "retire", f"下级单位 {child_code} 仍在用，须先撤销或移走")
                    break
            unit = self.units.get(code)
            if unit is None:
                self.add(row, "retire", "新单位无需撤销：请删除这一行")
                continue
            retiring = {r.values.get("code") and str(r.values["code"]).upper()
                        for r in self.parsed.rows.get("点位", []) if _yes(r.values.get("retire"))}
            for site in self.sites.values():
                if site.unit_id == unit.id and site.active and site.code not in retiring:
                    self.add(row, "retire", f"该单位仍有在用点位 {site.code}（{site.name}），"
                                            "须先停用")
                    break


def validate(parsed: Parsed, actor: User) -> list[Problem]:
    """Return every problem of the workbook (empty when all rows can be written)."""
    return check(parsed, actor).problems


def check(parsed: Parsed, actor: User) -> Checker:
    """Check the workbook; the checker keeps what it loaded for the writer to reuse."""
    checker = Checker(parsed, actor)
    checker.run()
    return checker
