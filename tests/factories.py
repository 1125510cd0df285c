"""Factories for test data: small unit trees, sites, staff users, residents."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from server.extensions import db
from server.people.models import Resident, User
from server.people.services import create_user, resident_token
from server.sites.models import Department, Site, Unit
from server.sites.services import new_site_code, set_unit_path

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_unit(name: str, kind: str, parent: Unit | None = None,
              population: int | None = None) -> Unit:
    unit = Unit(code=f"U{next(_seq)}", name=name, kind=kind,
                parent_id=parent.id if parent else None, population=population)
    db.session.add(unit)
    db.session.flush()
    set_unit_path(unit)
    return unit


def make_site(unit: Unit, name: str | None = None, **kwargs: Any) -> Site:
    site = Site(code=new_site_code(), name=name or f"{unit.name}协商议事室", unit_id=unit.id,
                **kwargs)
    db.session.add(site)
    db.session.flush()
    return site


def make_department(name: str = "交通运输局", code: str | None = None) -> Department:
    dept = Department(code=code or f"D{next(_seq)}", name=name)
    db.session.add(dept)
    db.session.flush()
    return dept


@dataclass
class District:
    district: Unit
    town: Unit
    village_a: Unit
    village_b: Unit
    other_town: Unit
    village_c: Unit
    site_a: Site
    site_b: Site
    site_c: Site
    department: Department


def make_district() -> District:
    """Build 盐都区 → 龙冈镇 → {黄庄村, 朱沟村}, 大冈镇 → 新丰村, with one site each."""
    district = make_unit("盐都区", "district")
    town = make_unit("龙冈镇", "town", district)
    village_a = make_unit("黄庄村", "village", town, population=2000)
    village_b = make_unit("朱沟村", "village", town, population=3000)
    other_town = make_unit("大冈镇", "town", district)
    village_c = make_unit("新丰村", "village", other_town, population=2500)
    result = District(
        district, town, village_a, village_b, other_town, village_c,
        make_site(village_a), make_site(village_b), make_site(village_c),
        make_department(),
    )
    db.session.commit()
    return result


def make_user(role: str, username: str | None = None, **scope: int | None) -> User:
    user = create_user(username or f"{role}{next(_seq)}", PASSWORD, f"测试{role}",
                       [{"role": role, **scope}])
    db.session.commit()
    return user


def make_resident(kind: str = "guest") -> tuple[Resident, str]:
    resident = Resident(kind=kind)
    db.session.add(resident)
    db.session.commit()
    return resident, resident_token(resident)


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> str:
    """Sign in through the API; return the CSRF token for writes."""
    response = client.post("/api/v1/auth/login",
                           json={"username": user.username, "password": password})
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["csrf_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The committed OpenAPI document (schemathesis and the authorization walk read it).
ROOT_OPENAPI = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "openapi.json")
