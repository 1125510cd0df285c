"""Merging two departments: the only structural change that reaches across domains."""

from __future__ import annotations

from typing import Any

from server.dispatch.assignment import move_department_work
from server.extensions import db
from server.people.accounts import move_department_grants
from server.people.models import User
from server.sites.structure import get_department, require_district_admin, retire_department_into


def merge_departments(user: User, source_id: int, into_id: int) -> dict[str, Any]:
    """Merge a department into another: open cases, routing rules and staff grants move;
    the merged one stays, inactive, for the history that names it."""
    require_district_admin(user)
    source, target = get_department(source_id), get_department(into_id)
    retire_department_into(source, target)
    cases = move_department_work(source.id, target.id)
    grants = move_department_grants(source.id, target.id)
    db.session.commit()
    return {"id": source.id, "merged_into_id": target.id, "open_cases_moved": cases,
            "grants_moved": grants}
