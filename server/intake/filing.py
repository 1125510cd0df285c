"""Cases another domain files itself (a meeting's outcome, a CPPCC proposal): one way in.

Not a resident's report: no moderation, no similarity check, no support count; the caller
records the submission on the dispatch timeline (`dispatch.workflow.record_submission`).
"""

from __future__ import annotations

from datetime import datetime

from server.common.models import utcnow
from server.extensions import db
from server.intake.models import Category, Opinion
from server.intake.tracking import allocate_tracking_no
from server.sites.models import Site


def create_case(site: Site, category: Category | None, text: str, *, contact_name: str,
                entered_by_id: int, at: datetime | None = None) -> Opinion:
    """Add a received suggestion at the site, entered by a staff user; flushed, not committed."""
    opinion = Opinion(
        tracking_no=allocate_tracking_no(), site_id=site.id, unit_id=site.unit_id,
        category_id=category.id if category else None, kind="suggestion", text=text,
        contact_name=contact_name, anonymous=False, resident_id=None,
        entered_by_id=entered_by_id, state="received", moderation="ok", support_count=0,
        created_at=at or utcnow())
    db.session.add(opinion)
    db.session.flush()
    return opinion
