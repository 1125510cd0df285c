"""A small world for dispatch tests: a district, departments and one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from server.extensions import db
from server.people.models import Grant, Resident, User
from server.people.services import hash_password
from tests.factories import PASSWORD, District, make_department, make_district, make_resident

_HASH: list[str] = []


def make_user(role: str, username: str | None = None, **scope: int | None) -> User:
    """Create a staff user quickly (one Argon2 hash shared by the whole session)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    user = User(username=username or f"{role}-{db.session.query(User).count() + 1}",
                display_name=f"测试{role}", password_hash=_HASH[0])
    user.grants = [Grant(role=role, **scope)]
    db.session.add(user)
    db.session.commit()
    return user


@dataclass
class World:
    d: District
    other_dept: Any
    dispatcher: User
    far_dispatcher: User
    handler: User
    other_handler: User
    member: User
    supervisor: User
    admin: User
    resident: Resident
    resident_token: str
    stranger: Resident


@pytest.fixture
def world(app: Any) -> World:
    d = make_district()
    other = make_department("住房和城乡建设局")
    resident, token = make_resident()
    stranger, _ = make_resident()
    return World(
        d=d, other_dept=other,
        dispatcher=make_user("dispatcher", unit_id=d.town.id),
        far_dispatcher=make_user("dispatcher", unit_id=d.other_town.id),
        handler=make_user("handler", department_id=d.department.id),
        other_handler=make_user("handler", department_id=other.id),
        member=make_user("member"),
        supervisor=make_user("supervisor", unit_id=d.district.id),
        admin=make_user("admin"),
        resident=resident, resident_token=token, stranger=stranger,
    )
