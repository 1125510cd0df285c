"""Write checked workbook rows: units, departments, sites, staff, heads, routes, holidays."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.dispatch.assignment import list_routes, put_route
from server.dispatch.calendar_days import calendar_year, put_calendar_days
from server.district.results import Counts, Credential, Result
from server.district.rules import DISTRICT_WORDS, WORKDAY_WORDS
from server.district.rules import kind_of as _kind
from server.district.rules import text_of as _str
from server.district.rules import yes as _yes
from server.district.workbook import Parsed, Row
from server.extensions import db
from server.intake.categories import DEFAULT_CATEGORIES
from server.intake.models import Category
from server.people.accounts import GrantSpec, new_account
from server.people.models import ROLES, Grant, User
from server.people.sessions import revoke_everything
from server.sites.models import SITE_KINDS, UNIT_KINDS, Department, Site, Unit
from server.sites.services import move_unit, new_site_code


class Writer:
    """Apply checked rows: units, departments, sites, staff, heads, routes, holidays."""

    def __init__(self, parsed: Parsed, actor: User, loaded: Any = None) -> None:
        self.parsed = parsed
        self.actor = actor
        self.result = Result(rows=sum(len(r) for r in parsed.rows.values()))
        # The checker loaded every unit, department, site and account already: reuse them.
        self.units: dict[str, Unit] = dict(loaded.units) if loaded else {
            u.code: u for u in db.session.scalars(select(Unit))}
        self.departments: dict[str, Department] = dict(loaded.departments) if loaded else {
            d.code: d for d in db.session.scalars(select(Department))}
        self.sites: dict[str, Site] = dict(loaded.sites) if loaded else {
            s.code: s for s in db.session.scalars(select(Site))}
        self.sites_by_name = {(s.unit_id, s.name): s for s in self.sites.values()}
        self.users: dict[str, User] = dict(loaded.users) if loaded else {
            u.username: u for u in db.session.scalars(select(User))}

    def counts(self, sheet: str) -> Counts:
        return self.result.counts.setdefault(sheet, Counts())

    @staticmethod
    def _assign(obj: Any, values: dict[str, Any]) -> bool:
        changed = False
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
                changed = True
        return changed

    def run(self) -> Result:
        with db.session.no_autoflush:  # flushed where ids are needed, not before each query
            return self._run()

    def _run(self) -> Result:
        self.write_units()
        self.write_departments()
        self.write_sites()
        self.write_staff()
        self.write_heads()
        self.write_routes()
        self.write_holidays()
        self.retire_units()
        return self.result

    def write_units(self) -> None:
        # Level by level (parents first), one flush per level: a path needs the unit's id.
        rows = {str(r.values["code"]): r for r in self.parsed.rows.get("单位", [])}
        pending = dict(rows)
        counts = self.counts("单位")
        while pending:
            ready = [code for code, row in pending.items()
                     if row.values.get("parent") is None
                     or str(row.values["parent"]).strip() not in pending]
            created: list[tuple[Unit, Unit | None]] = []
            for code in ready:
                row = pending.pop(code)
                parent_code = row.values.get("parent")
                parent = self.units[str(parent_code).strip()] if parent_code is not None \
                    else None
                values = {"name": str(row.values["name"]),
                          "kind": _kind(row.values["kind"], UNIT_KINDS),
                          "population": None if row.values.get("population") is None
                          else int(float(row.values["population"]))}
                if row.values.get("sort_order") is not None:
                    values["sort_order"] = int(float(row.values["sort_order"]))
                unit = self.units.get(code)
                if unit is None:
                    unit = Unit(code=code, parent_id=parent.id if parent else None, **values)
                    db.session.add(unit)
                    self.units[code] = unit
                    created.append((unit, parent))
                    counts.created += 1
                    continue
                changed = self._assign(unit, values)
                if unit.parent_id != (parent.id if parent else None):
                    move_unit(unit, parent)
                    changed = True
                if not unit.active and _yes(row.values.get("retire")) is not True:
                    unit.active, unit.retired_at = True, None
                    changed = True
                counts.updated += changed
                counts.unchanged += not changed
            db.session.flush()
            for unit, parent in created:
                unit.path = f"{parent.path if parent else '/'}{unit.id}/"
                unit.depth = parent.depth + 1 if parent else 0
        db.session.flush()

    def retire_units(self) -> None:
        for row in self.parsed.rows.get("单位", []):
            unit = self.units[str(row.values["code"])]
            if _yes(row.values.get("retire")) and unit.active:
                unit.active, unit.retired_at = False, utcnow()
                self.counts("单位").retired += 1

    def _unit_id(self, code: Any) -> int | None:
        if code is None:
            root = next((u for u in self.units.values() if u.parent_id is None), None)
            return root.id if root else None
        return self.units[str(code).strip()].id

    def write_departments(self) -> None:
        for row in self.parsed.rows.get("部门", []):
            code = str(row.values["code"])
            retire = bool(_yes(row.values.get("retire")))
            values = {"name": str(row.values["name"]), "unit_id": self._unit_id(
                row.values.get("unit")), "phone": _str(row.values.get("phone"))}
            dept = self.departments.get(code)
            counts = self.counts("部门")
            if dept is None:
                dept = Department(code=code, active=not retire, **values)
                db.session.add(dept)
                self.departments[code] = dept
                counts.created += 1
                continue
            changed = self._assign(dept, values)
            if dept.active == retire:
                dept.active = not retire
                if retire:
                    counts.retired += 1
                    continue
                changed = True
            counts.updated += changed
            counts.unchanged += not changed
        db.session.flush()

    def write_sites(self) -> None:
        for row in self.parsed.rows.get("点位", []):
            v = row.values
            unit_id = self._unit_id(v["unit"])
            assert unit_id is not None
            name = str(v["name"])
            code = str(v["code"]).upper() if v.get("code") is not None else None
            site = self.sites.get(code) if code else self.sites_by_name.get((unit_id, name))
            retire = bool(_yes(v.get("retire")))
            lat, lng = v.get("latitude"), v.get("longitude")
            values = {
                "name": name, "unit_id": unit_id,
                "kind": _kind(v.get("kind"), SITE_KINDS) or "room",
                "address": _str(v.get("address")) or "",
                "contact_phone": _str(v.get("contact_phone")) or "",
                "latitude": None if lat is None else float(lat),
                "longitude": None if lng is None else float(lng),
                "population": None if v.get("population") is None
                else int(float(v["population"])),
                "is_demo": bool(_yes(v.get("is_demo"))),
            }
            counts = self.counts("点位")
            if site is None:
                site = Site(code=code or new_site_code(taken=self.sites), active=not retire,
                            **values)
                db.session.add(site)
                self.sites[site.code] = site
                self.sites_by_name[(unit_id, name)] = site
                counts.created += 1
                continue
            changed = self._assign(site, values)
            if site.active == retire:
                site.active = not retire
                if retire:
                    counts.retired += 1
                    continue
                changed = True
            counts.updated += changed
            counts.unchanged += not changed
        db.session.flush()

    def _spec(self, role: str, scope: str) -> GrantSpec:
        if scope in DISTRICT_WORDS:
            return GrantSpec(role)
        if scope in self.units:
            return GrantSpec(role, unit_id=self.units[scope].id)
        if scope in self.departments:
            return GrantSpec(role, department_id=self.departments[scope].id)
        return GrantSpec(role, site_id=self.sites[scope.upper()].id)

    def write_staff(self) -> None:
        grouped: dict[str, list[Row]] = {}
        for row in self.parsed.rows.get("工作人员", []):
            grouped.setdefault(str(row.values["username"]), []).append(row)
        counts = self.counts("工作人员")
        for username, rows in grouped.items():
            first = rows[0].values
            specs = []
            for row in rows:
                spec = self._spec(str(_kind(row.values["role"], ROLES)),
                                  str(row.values["scope"]).strip())
                if spec not in specs:
                    specs.append(spec)
            name, phone = str(first["display_name"]), _str(first.get("phone"))
            user = self.users.get(username)
            if user is None:
                user, temporary = new_account(username, name, phone, specs, flush=False)
                self.users[username] = user
                counts.created += 1
                self.result.credentials.append(Credential(
                    username, name, temporary, "、".join(ROLES[s.role] for s in specs)))
                continue
            if _yes(first.get("retire")):
                if user.active:
                    user.active = False
                    revoke_everything(user)
                    counts.retired += 1
                else:
                    counts.unchanged += 1
                continue
            changed = self._assign(user, {"display_name": name, "phone": phone})
            held = {GrantSpec(g.role, g.unit_id, g.department_id, g.site_id)
                    for g in user.grants}
            for spec in specs:
                if spec not in held:
                    user.grants.append(Grant(role=spec.role, unit_id=spec.unit_id,
                                             department_id=spec.department_id,
                                             site_id=spec.site_id))
                    changed = True
            counts.updated += changed
            counts.unchanged += not changed
        db.session.flush()

    def write_heads(self) -> None:
        for row in self.parsed.rows.get("部门", []):
            head = row.values.get("head")
            if head is None:
                continue
            dept = self.departments[str(row.values["code"])]
            user_id = self.users[str(head)].id
            if dept.head_user_id != user_id:
                dept.head_user_id = user_id

    def write_routes(self) -> None:
        rows = self.parsed.rows.get("分派规则", [])
        if not rows:
            return
        categories = {c.code: c for c in default_categories_in_session()}
        table = {(r["category_id"], r["unit_id"]): r["department_id"] for r in list_routes()}
        counts = self.counts("分派规则")
        for row in rows:
            category = categories[row.values["category_code"]]
            unit = row.values.get("unit")
            unit_id = self.units[str(unit).strip()].id if unit is not None else None
            dept = self.departments[str(row.values["department"]).strip()]
            before = table.get((category.id, unit_id))
            if before == dept.id:
                counts.unchanged += 1
                continue
            put_route(category.id, unit_id, dept.id)
            if before is None:
                counts.created += 1
            else:
                counts.updated += 1

    def write_holidays(self) -> None:
        rows = self.parsed.rows.get("节假日", [])
        if not rows:
            return
        entered: dict[Any, tuple[bool, str]] = {}
        for year in {row.values["date"].year for row in rows}:
            for day in calendar_year(year)["days"]:
                entered[day["day"]] = (bool(day["is_workday"]), day["name"] or "")
        counts = self.counts("节假日")
        days = []
        for row in rows:
            item = {"day": row.values["date"],
                    "is_workday": str(row.values["kind"]).strip() in WORKDAY_WORDS,
                    "name": _str(row.values.get("name")) or ""}
            before = entered.get(item["day"])
            if before == (item["is_workday"], item["name"]):
                counts.unchanged += 1
                continue
            counts.created += before is None
            counts.updated += before is not None
            days.append(item)
        # The dispatch domain's own calendar function (the one behind PUT /dispatch/calendar).
        put_calendar_days(days, self.actor.id)


def default_categories_in_session() -> list[Category]:
    """Return every category, adding the default ones that are missing (not committed)."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, name, kind) in enumerate(DEFAULT_CATEGORIES, start=1):
        if code not in existing:
            existing[code] = Category(code=code, name=name, default_kind=kind,
                                      sort_order=order * 10, active=True)
            db.session.add(existing[code])
    db.session.flush()
    return list(existing.values())
