"""Units, circles, departments and sites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Integer,
    Select,
    String,
    event,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import UTCDateTime, utcnow
from server.extensions import db

UNIT_KINDS = {
    "district": "区",
    "town": "镇",
    "subdistrict": "街道",
    "park": "园区",
    "hightech": "高新区",
    "village": "村",
    "community": "社区",
}

SITE_KINDS = {
    "room": "协商议事室",
    "demo": "协商议事示范点",
    "studio": "委员工作室",
    "contact_point": "社情民意联系点",
}


class Unit(db.Model):
    """A node of the district tree: district → sector → village or community."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Materialised path "/1/5/37/": a subtree is one indexed LIKE prefix query.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    population: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Retired units keep their rows (history points at them); they take no new sites.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def is_within(self, ancestor: Unit) -> bool:
        """Tell whether this unit is the ancestor or lies below it."""
        return path_within(self.path, ancestor.path)


# The one subtree test. A unit's path is "/1/5/37/" (digits and slashes, nothing a LIKE
# pattern must escape), so "at or below" is a prefix: one indexed LIKE in SQL.


def path_within(path: str, ancestor_path: str) -> bool:
    """Tell whether a unit path lies at or below another unit's path."""
    return path.startswith(ancestor_path)


def in_subtree(ancestor_path: str) -> ColumnElement[bool]:
    """Return the SQL test "Unit lies at or below the unit with this path"."""
    return Unit.path.startswith(ancestor_path)


def subtree_unit_ids(ancestor_path: str) -> Select[tuple[int]]:
    """Return a SELECT of the ids of the units at or below the unit with this path."""
    return select(Unit.id).where(in_subtree(ancestor_path))


class Circle(db.Model):
    """A CPPCC circle (界别): a grouping of members, not a place."""

    __tablename__ = "circles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Department(db.Model):
    """A government department (职能部门) that handles dispatched cases."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Added by supervision (0008): who receives red overdue warnings besides the handlers.
    head_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when merged into another department (this one is then inactive, kept for history).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    unit: Mapped[Unit | None] = relationship()


class Site(db.Model):
    """A consultation room or similar place with a printed QR code."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public code is printed on posters: it never changes once issued.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="room")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # People the site serves, when it differs from its unit's (a studio, a park's room).
    population: Mapped[int | None] = mapped_column(Integer)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship()
    replaced_by: Mapped[Site | None] = relationship(remote_side=[id])


@event.listens_for(Site.code, "set", propagate=True)
def _code_is_immutable(target: Site, value: str, oldvalue: object, initiator: object) -> None:
    # oldvalue is a sentinel (not a str) while the object is new or not yet loaded.
    if isinstance(oldvalue, str) and value != oldvalue and target.id is not None:
        raise ValueError("a site's public code never changes")
