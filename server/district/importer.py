"""Import a district's workbook: check every row first, then write all of it or nothing.

Rows are matched to what exists by code (units, departments, sites with a code; sites without
one by unit and name) and staff by username, so importing the same workbook again changes
nothing. Nothing is deleted: retiring takes an explicit column. New staff get temporary
passwords, returned once.
"""

from __future__ import annotations

from server.district.checks import check
from server.district.results import ImportInvalid, Result
from server.district.workbook import Parsed
from server.district.writer import Writer
from server.extensions import db
from server.people.models import User


def run_import(parsed: Parsed, actor: User, *, dry_run: bool) -> Result:
    """Validate, then write every row in one transaction (rolled back for a dry run)."""
    checker = check(parsed, actor)
    problems = checker.problems
    if problems:
        raise ImportInvalid(f"工作簿有 {len(problems)} 处问题，未写入任何数据",
                            errors={"problems": [p.as_dict() for p in problems]})
    try:
        result = Writer(parsed, actor, checker).run()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
