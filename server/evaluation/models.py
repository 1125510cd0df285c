"""Tables of the evaluation domain.

Evaluation owns no tables yet; it reads opinions, cases, meetings and scan counters. It adds
the index the dashboard's grouped queries need on `opinions` (migration 0006): every figure
filters one unit subtree (unit_id IN …) and one period (created_at range).
"""

from __future__ import annotations

from sqlalchemy import Index

from server.intake.models import Opinion

# Declared here (not in intake) because only evaluation's queries need it.
OPINIONS_UNIT_CREATED = Index("ix_opinions_unit_id_created_at", Opinion.unit_id,
                              Opinion.created_at)
