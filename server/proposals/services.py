"""Proposals (提案): draft, co-sign, submit, file or merge, answer and rating.

Handling reuses the dispatch workflow: filing creates the proposal's dispatch case
(`Opinion` + `Case`) through `workflow.record_submission` and `workflow.assign`, so the
deadline on the working-day calendar, signing, answering, extensions and supervision
warnings are the dispatch engine's. This module keeps only what a case does not have:
案由/理由/办法, the members, the proposal number, and the proposer's rating.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.common.models import utcnow
from server.common.text import local_time
from server.dispatch import workflow
from server.duty import hooks as duty
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.intake.models import Category, Opinion
from server.people.models import Member, MemberSite, User
from server.proposals.models import RATINGS, STATUSES, Proposal, ProposalEvent, ProposalSigner
from server.sites.models import Site

STAFF_ROLES = frozenset({"admin", "dispatcher"})
EVENT_NAMES = {"draft": "起草提案", "edit": "修改草稿", "cosign": "联名委员确认",
               "submit": "提交提案",
               "file": "立案交办", "merge": "并案处理", "answer": "承办单位答复",
               "rate": "提案人评价"}


def _member_of(user: User) -> Member | None:
    return db.session.scalar(select(Member).where(Member.user_id == user.id))


def _is_staff(user: User) -> bool:
    return bool(user.roles & STAFF_ROLES)


def get(proposal_id: int) -> Proposal:
    """Return a proposal or raise 404."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("找不到该提案", code="proposal_not_found")
    return _sync(proposal)


def _event(proposal: Proposal, action: str, user: User | None, note: str = "",
           **data: Any) -> None:
    proposal.events.append(ProposalEvent(action=action, note=note, data=data,
                                         actor_user_id=user.id if user else None, at=utcnow()))


def _check(proposal: Proposal, *states: str) -> None:
    if proposal.status not in states:
        raise Conflict(f"提案当前为“{STATUSES[proposal.status]}”，不能进行此操作",
                       code="proposal_state", errors={"status": proposal.status})


def _set_signers(proposal: Proposal, member_ids: list[int]) -> None:
    wanted = [m for m in dict.fromkeys(member_ids) if m != proposal.lead_member_id]
    for member_id in wanted:
        if db.session.get(Member, member_id) is None:
            raise ValidationFailed(errors={"cosigner_ids": [f"委员 {member_id} 不存在"]})
    keep = [s for s in proposal.signers if s.member_id in wanted]
    known = {s.member_id for s in keep}
    proposal.signers = keep + [ProposalSigner(member_id=m) for m in wanted if m not in known]


def _lead(member_id: int | None) -> int | None:
    if member_id is not None and db.session.get(Member, member_id) is None:
        raise ValidationFailed(errors={"lead_member_id": ["领衔委员不存在"]})
    return member_id


def create_draft(user: User, data: dict[str, Any]) -> Proposal:
    """Start a proposal draft (staff, or a member who leads it)."""
    member = _member_of(user)
    if not _is_staff(user) and member is None:
        raise Forbidden("只有政协委员或提案工作人员可以起草提案", code="proposal_forbidden")
    site = db.session.get(Site, data["site_id"])
    if site is None:
        raise ValidationFailed(errors={"site_id": ["点位不存在"]})
    lead = data.get("lead_member_id") if _is_staff(user) else member.id  # type: ignore[union-attr]
    proposal = Proposal(title=data["title"].strip(), reason=data.get("reason", "").strip(),
                        measures=data.get("measures", "").strip(), lead_member_id=_lead(lead),
                        site_id=site.id, created_by_id=user.id, status="draft")
    db.session.add(proposal)
    _set_signers(proposal, data.get("cosigner_ids", []))
    _event(proposal, "draft", user)
    db.session.commit()
    return proposal


def draft_from_outcome(user: User, outcome: Any, site_id: int, title: str, note: str = ""
                       ) -> Proposal:
    """Turn a reviewed outcome into a proposal draft led by the site's attached member; flush."""
    lead = db.session.scalar(select(MemberSite.member_id).where(MemberSite.site_id == site_id)
                             .order_by(MemberSite.id))
    proposal = Proposal(title=title[:200], reason=outcome.text, measures="",
                        lead_member_id=lead, site_id=site_id, outcome_id=outcome.id,
                        created_by_id=user.id, status="draft")
    db.session.add(proposal)
    _event(proposal, "draft", user, note or "主席会议审议：转提案", outcome_id=outcome.id)
    db.session.flush()
    return proposal


def update_draft(user: User, proposal_id: int, data: dict[str, Any]) -> Proposal:
    """Edit a draft: text, lead member or co-signers (co-signers confirm again)."""
    proposal = get(proposal_id)
    _check(proposal, "draft")
    _may_edit(user, proposal)
    for field in ("title", "reason", "measures"):
        if field in data:
            setattr(proposal, field, data[field].strip())
    if "lead_member_id" in data and _is_staff(user):
        proposal.lead_member_id = _lead(data["lead_member_id"])
    if "cosigner_ids" in data:
        _set_signers(proposal, data["cosigner_ids"])
    # A changed text must be agreed again by everyone who co-signs it.
    for signer in proposal.signers:
        signer.confirmed_at = None
    _event(proposal, "edit", user)
    db.session.commit()
    return proposal


def _may_edit(user: User, proposal: Proposal) -> None:
    member = _member_of(user)
    if _is_staff(user) or (member is not None and member.id == proposal.lead_member_id):
        return
    raise Forbidden("只有领衔委员或提案工作人员可以操作", code="proposal_forbidden")


def confirm(user: User, proposal_id: int) -> Proposal:
    """Confirm the signed-in member's co-signature (联名确认)."""
    proposal = get(proposal_id)
    _check(proposal, "draft")
    member = _member_of(user)
    signer = next((s for s in proposal.signers if member and s.member_id == member.id), None)
    if signer is None:
        raise Forbidden("您不是该提案的联名委员", code="not_a_cosigner")
    if signer.confirmed_at is None:
        signer.confirmed_at = utcnow()
        _event(proposal, "cosign", user, signer.member.name, member_id=signer.member_id)
        db.session.commit()
    return proposal


def submit(user: User, proposal_id: int) -> Proposal:
    """Submit a complete draft whose co-signers have all confirmed."""
    proposal = get(proposal_id)
    _check(proposal, "draft")
    _may_edit(user, proposal)
    errors: dict[str, list[str]] = {}
    for field, label in (("title", "案由"), ("reason", "理由"), ("measures", "办法")):
        if not getattr(proposal, field):
            errors[field] = [f"请填写{label}"]
    if proposal.lead_member_id is None:
        errors["lead_member_id"] = ["请选择领衔委员"]
    waiting = [s.member.name for s in proposal.signers if s.confirmed_at is None]
    if waiting:
        errors["cosigners"] = [f"尚未确认联名：{'、'.join(waiting)}"]
    if errors:
        raise ValidationFailed("提案还不能提交", errors=errors)
    proposal.status = "submitted"
    proposal.submitted_at = utcnow()
    _event(proposal, "submit", user)
    db.session.commit()
    duty.proposal_raised(proposal.lead_member, proposal.id, proposal.title)
    return proposal


def _number(now: Any) -> str:
    year = local_time(now).year
    count = db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.number.like(f"{year}-%"))) or 0
    return f"{year}-{count + 1:03d}"


def _require_staff(user: User) -> None:
    if not _is_staff(user):
        raise Forbidden("只有提案工作人员可以立案交办", code="proposal_staff_only")


def file(user: User, proposal_id: int, department_id: int,
         assisting_department_ids: list[int], category_id: int | None = None) -> Proposal:
    """File (立案) a submitted proposal and assign it to its lead and co-handling departments."""
    from server.intake.tracking import allocate_tracking_no

    _require_staff(user)
    proposal = get(proposal_id)
    _check(proposal, "submitted")
    site = db.session.get(Site, proposal.site_id)
    assert site is not None
    category = (db.session.get(Category, category_id) if category_id is not None else
                db.session.scalar(select(Category).where(Category.code == "other")))
    now = utcnow()
    proposal.number = _number(now)
    text = (f"【政协提案 {proposal.number}】案由：{proposal.title}\n理由：{proposal.reason}\n"
            f"办法：{proposal.measures}")
    opinion = Opinion(tracking_no=allocate_tracking_no(), site_id=site.id, unit_id=site.unit_id,
                      category_id=category.id if category else None, kind="suggestion",
                      text=text, contact_name="政协提案", anonymous=False, resident_id=None,
                      entered_by_id=user.id, state="received", moderation="ok",
                      support_count=0, created_at=now)
    db.session.add(opinion)
    db.session.flush()
    proposal.opinion_id = opinion.id
    proposal.status = "filed"
    proposal.filed_at = now
    _event(proposal, "file", user, tracking_no=opinion.tracking_no, number=proposal.number)
    # The dispatch engine sets the answer deadline on the working-day calendar and commits.
    workflow.record_submission(opinion, resident_id=None, entered_by_id=user.id)
    workflow.assign(opinion.id, user, department_id=department_id,
                    assisting_department_ids=assisting_department_ids,
                    note=f"提案 {proposal.number} 立案交办")
    return get(proposal_id)


def merge(user: User, proposal_id: int, into_id: int, note: str = "") -> Proposal:
    """Merge a submitted proposal into another one already submitted or filed (并案)."""
    _require_staff(user)
    proposal = get(proposal_id)
    _check(proposal, "submitted")
    target = get(into_id)
    if target.id == proposal.id or target.status not in ("submitted", "filed"):
        raise ValidationFailed(errors={"into_id": ["只能并入已提交或已立案的其他提案"]})
    proposal.status = "merged"
    proposal.merged_into_id = target.id
    _event(proposal, "merge", user, note, into_id=target.id, into_title=target.title)
    db.session.commit()
    return proposal


def answer(user: User, proposal_id: int, text: str) -> Proposal:
    """Answer a filed proposal through its dispatch case (the handling department)."""
    proposal = get(proposal_id)
    _check(proposal, "filed")
    assert proposal.opinion_id is not None
    workflow.answer(proposal.opinion_id, user, text)
    return get(proposal_id)


def _sync(proposal: Proposal) -> Proposal:
    """Carry the case's answer over to the proposal (it may be answered in the dispatch console)."""
    if proposal.status != "filed" or proposal.opinion_id is None:
        return proposal
    opinion = db.session.get(Opinion, proposal.opinion_id)
    if opinion is not None and opinion.state in ("answered", "closed") and opinion.answer:
        proposal.status = "answered"
        _event(proposal, "answer", None, opinion.answer)
        proposal.events[-1].at = opinion.answered_at or utcnow()
        db.session.commit()
    return proposal


def rate(user: User, proposal_id: int, rating: str, comment: str | None) -> Proposal:
    """Let the lead member rate the answer: 满意 / 基本满意 / 不满意."""
    if rating not in RATINGS:
        raise ValidationFailed(errors={"rating": ["只能是：满意、基本满意、不满意"]})
    proposal = get(proposal_id)
    member = _member_of(user)
    if member is None or member.id != proposal.lead_member_id:
        raise Forbidden("只有领衔委员可以评价答复", code="not_the_proposer")
    _check(proposal, "answered")
    proposal.status = "rated"
    proposal.rating = rating
    proposal.rating_comment = (comment or "").strip()[:500] or None
    proposal.rated_at = utcnow()
    _event(proposal, "rate", user, proposal.rating_comment or "", rating=rating,
           rating_name=RATINGS[rating])
    assert proposal.opinion_id is not None
    workflow.record_note(proposal.opinion_id, "proposer_rate", user=user, role="member",
                         note=f"提案人评价：{RATINGS[rating]}", data={"rating": rating})
    db.session.commit()
    return proposal


def timeline(proposal: Proposal) -> list[dict[str, Any]]:
    """Return the proposal's steps, oldest first, as people read them."""
    return [{"action": e.action, "name": EVENT_NAMES.get(e.action, e.action), "note": e.note,
             "data": e.data, "at": local_time(e.at).strftime("%Y-%m-%d %H:%M")}
            for e in proposal.events]


def payload(proposal: Proposal) -> dict[str, Any]:
    """Describe a proposal for staff and members, with its case and deadline."""
    from server.dispatch.models import Case

    case = db.session.get(Case, proposal.opinion_id) if proposal.opinion_id else None
    opinion = db.session.get(Opinion, proposal.opinion_id) if proposal.opinion_id else None
    return {
        "id": proposal.id, "number": proposal.number, "title": proposal.title,
        "reason": proposal.reason, "measures": proposal.measures,
        "status": proposal.status, "status_name": STATUSES[proposal.status],
        "lead_member": ({"id": proposal.lead_member.id, "name": proposal.lead_member.name}
                        if proposal.lead_member else None),
        "cosigners": [{"member_id": s.member_id, "name": s.member.name,
                       "confirmed": s.confirmed_at is not None} for s in proposal.signers],
        "site_id": proposal.site_id, "outcome_id": proposal.outcome_id,
        "merged_into_id": proposal.merged_into_id,
        "case": None if opinion is None else {
            "opinion_id": opinion.id, "tracking_no": opinion.tracking_no, "state": opinion.state,
            "department_id": case.department_id if case else None,
            "assisting_department_ids": case.assisting_department_ids if case else [],
            "answer_due_at": (local_time(case.answer_due_at).strftime("%Y-%m-%d %H:%M")
                              if case and case.answer_due_at else None),
            "answer": opinion.answer},
        "rating": proposal.rating,
        "rating_name": RATINGS.get(proposal.rating or ""),
        "timeline": timeline(proposal),
    }


def list_for(user: User, status: str | None = None) -> list[Proposal]:
    """List proposals: staff see all, a member those they lead or co-sign."""
    query = select(Proposal).order_by(Proposal.id.desc()).limit(200)
    if status:
        query = query.where(Proposal.status == status)
    if not _is_staff(user):
        member = _member_of(user)
        if member is None:
            raise Forbidden("只有政协委员或提案工作人员可以查看提案", code="proposal_forbidden")
        signed = select(ProposalSigner.proposal_id).where(ProposalSigner.member_id == member.id)
        query = query.where((Proposal.lead_member_id == member.id) | Proposal.id.in_(signed))
    return list(db.session.scalars(query))
