"""The public outcomes page: outcomes with where they went, and the year's figures.

The year's figures (开展活动 / 收集社情民意 / 助推解决问题) are the evaluation dashboard's
own figures for the unit and period (`evaluation.services.dashboard`), never recounted here.
A site's page shows the figures of the site's unit (the dashboard's smallest unit).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from server.common.text import SHANGHAI, local_time
from server.errors import NotFound, ValidationFailed
from server.evaluation.services import Period, dashboard
from server.extensions import db
from server.intake.media import photo_urls
from server.intake.models import Opinion, OpinionPhoto
from server.meetings.models import Meeting, Outcome
from server.review.timeline import where_for_outcomes
from server.sites.models import Department, Site, Unit

MAX_OUTCOMES = 100


def year_period(year: int, today: date | None = None) -> Period:
    """Return the period from 1 January of `year` to today (or the year's end, if past)."""
    today = today or datetime.now(SHANGHAI).date()
    if year < 2000 or year > today.year:
        raise ValidationFailed(errors={"year": [f"年份应在 2000 到 {today.year} 之间"]})
    end = min(date(year + 1, 1, 1), today + timedelta(days=1))
    return Period(date(year, 1, 1), end)


def year_figures(unit_id: int, period: Period) -> dict[str, Any]:
    """Return the year's three headline figures from the dashboard's definitions."""
    figures = dashboard(unit_id, period, details=False)["figures"]
    return {"activities": figures["activities"] or 0, "collected": figures["collected"],
            "solved": figures["solved"], "period": period.label(),
            "start": period.start.isoformat(), "end": period.end.isoformat()}


def _departments(opinion_id: int) -> list[str]:
    from server.dispatch.models import Case

    case = db.session.get(Case, opinion_id)
    if case is None:
        return []
    ids = [d for d in [case.department_id, *case.assisting_department_ids] if d is not None]
    names = {d.id: d.name for d in db.session.scalars(select(Department).where(
        Department.id.in_(ids)))} if ids else {}
    return [names[i] for i in ids if i in names]


def _outcome_items(site_ids: list[int], period: Period) -> list[dict[str, Any]]:
    lo, hi = period.utc_bounds()
    rows = db.session.execute(
        select(Outcome, Meeting).join(Meeting, Meeting.id == Outcome.meeting_id)
        .where(Meeting.site_id.in_(site_ids), Meeting.status == "closed",
               Meeting.starts_at >= lo, Meeting.starts_at < hi)
        .order_by(Meeting.starts_at.desc(), Outcome.id).limit(MAX_OUTCOMES)).all()
    where = where_for_outcomes([o.id for o, _m in rows])
    sites = {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    items = []
    for outcome, meeting in rows:
        opinion = outcome.case_opinion
        photos = [] if opinion is None else [photo_urls(p) for p in db.session.scalars(
            select(OpinionPhoto).where(OpinionPhoto.opinion_id == opinion.id)
            .order_by(OpinionPhoto.id).limit(4))]
        after = outcome.feedback or (opinion.answer if isinstance(opinion, Opinion) else "") or ""
        items.append({
            "outcome_id": outcome.id, "meeting_title": meeting.title,
            "site_name": sites[meeting.site_id].name,
            "date": local_time(meeting.starts_at).strftime("%Y-%m-%d"),
            "before": outcome.text, "after": after,
            "departments": _departments(opinion.id) if opinion is not None else [],
            "photos": photos, "where": where[outcome.id]})
    return items


def site_page(code: str, year: int | None = None) -> dict[str, Any]:
    """Return a site's public outcomes page: outcomes, where each went, the year's figures."""
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None or not site.active:
        raise NotFound("找不到该点位")
    unit = db.session.get(Unit, site.unit_id)
    assert unit is not None
    period = year_period(year or datetime.now(SHANGHAI).year)
    return {"kind": "site", "name": site.name, "code": site.code, "unit_id": unit.id,
            "unit_name": unit.name, "year": period.start.year,
            "figures": year_figures(unit.id, period),
            "outcomes": _outcome_items([site.id], period)}


def unit_page(code: str, year: int | None = None) -> dict[str, Any]:
    """Return a town's or the district's public outcomes page."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound("找不到该地区")
    period = year_period(year or datetime.now(SHANGHAI).year)
    site_ids = list(db.session.scalars(select(Site.id).join(Unit, Unit.id == Site.unit_id)
                                       .where(Unit.path.startswith(unit.path), Site.active)))
    return {"kind": "unit", "name": unit.name, "code": unit.code, "unit_id": unit.id,
            "unit_name": unit.name, "year": period.start.year,
            "figures": year_figures(unit.id, period),
            "outcomes": _outcome_items(site_ids, period) if site_ids else []}
