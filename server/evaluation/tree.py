"""The unit tree a figure rolls up: a unit's subtree and which child owns each unit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from server.errors import NotFound
from server.extensions import db
from server.sites.models import Unit, in_subtree, subtree_unit_ids


def _in_subtree(column: Any, path: str) -> tuple[ColumnElement[bool], ...]:
    """Return the condition "column is a unit of the subtree" (none for the whole tree)."""
    if path.count("/") <= 2 and db.session.scalar(
            select(func.count()).select_from(Unit).where(Unit.parent_id.is_(None))) == 1:
        return ()  # the only root: every unit is in its subtree
    return (column.in_(_subtree_ids(path)),)


def _subtree_ids(path: str) -> Select[Any]:
    return subtree_unit_ids(path)


@dataclass
class UnitNode:
    """One unit of the subtree being reported on."""

    id: int
    name: str
    kind: str
    path: str
    parent_id: int | None
    depth: int
    population: int | None


def _load_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("找不到该行政单元", code="unit_not_found")
    return unit


def _subtree(unit: Unit) -> list[UnitNode]:
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.kind, Unit.path, Unit.parent_id, Unit.depth,
               Unit.population)
        .where(in_subtree(unit.path))
        .order_by(Unit.depth, Unit.sort_order, Unit.id)
    ).all()
    return [UnitNode(*row) for row in rows]


def _owner_map(nodes: list[UnitNode], root: UnitNode) -> dict[int, int]:
    """Map every unit id below the root to the root's child that contains it."""
    children = {n.id for n in nodes if n.parent_id == root.id}
    owner: dict[int, int] = {}
    for node in nodes:
        # A path lists the ids from the top ("/1/5/17/"): the child is the one after the root.
        parts = [int(x) for x in node.path.strip("/").split("/") if x]
        if len(parts) > root.depth + 1 and parts[root.depth + 1] in children:
            owner[node.id] = parts[root.depth + 1]
    return owner
