"""The case workflow: every state transition of an Opinion, its permissions and its timeline.

This module is the only place that changes `Opinion.state`. Each public transition checks
that the caller may act on the case (403), that the action is allowed from the current state
(409 `transition_not_allowed`), appends one or more OpinionEvent rows, and commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.common import signals
from server.common.models import utcnow
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.intake.models import OPEN_STATES, RATINGS, STATES, Opinion, OpinionEvent
from server.people.models import Resident, User
from server.sites.models import Department, Unit

# action -> states it may start from
TRANSITIONS: dict[str, frozenset[str]] = {
    "accept": frozenset({"received"}),
    "decline": frozenset({"received", "accepted"}),
    "assign": frozenset({"received", "accepted"}),
    "reassign": frozenset({"accepted", "assigned", "signed", "in_progress"}),
    "return": frozenset({"assigned", "signed", "in_progress"}),
    "sign": frozenset({"assigned"}),
    "start": frozenset({"signed"}),
    "answer": frozenset({"signed", "in_progress"}),
    "request_extension": frozenset({"signed", "in_progress"}),
    "approve_extension": frozenset({"signed", "in_progress"}),
    "refuse_extension": frozenset({"signed", "in_progress"}),
    "rate": frozenset({"answered"}),
    "merge": frozenset(OPEN_STATES),
    "void": frozenset(set(STATES) - {"voided"}),
}

ACTION_NAMES = {
    "submit": "提交", "accept": "受理", "decline": "不予受理", "assign": "派单",
    "reassign": "转派", "return": "退单", "sign": "签收", "start": "开始办理",
    "answer": "答复", "request_extension": "申请延期", "approve_extension": "同意延期",
    "refuse_extension": "驳回延期", "rate": "评价", "redo": "重办", "close": "办结",
    "merge": "合并", "merged_from": "并入", "void": "作废",
}

# Capacities a staff user can hold on one case, and which actions each allows.
DISPATCH = frozenset({"dispatcher", "admin"})
ASSIGNEE = frozenset({"handler", "member", "admin"})
ACTION_CAPACITIES: dict[str, frozenset[str]] = {
    "view": frozenset({"dispatcher", "admin", "supervisor", "handler", "member", "assist"}),
    "accept": DISPATCH, "decline": DISPATCH, "assign": DISPATCH, "reassign": DISPATCH,
    "merge": DISPATCH, "approve_extension": DISPATCH, "refuse_extension": DISPATCH,
    "return": ASSIGNEE, "sign": ASSIGNEE, "start": ASSIGNEE, "answer": ASSIGNEE,
    "request_extension": ASSIGNEE,
    "void": frozenset({"admin"}),
}
STAFF_ACTIONS = tuple(a for a in ACTION_CAPACITIES if a != "view")
# Whose capacity is named on the timeline when a user holds several.
CAPACITY_ORDER = ("member", "handler", "dispatcher", "admin", "supervisor", "assist")


# ---- scope ------------------------------------------------------------------------------


def _case(opinion: Opinion) -> Any:
    from server.dispatch.models import Case

    case = db.session.get(Case, opinion.id)
    if case is None:
        case = _new_case(opinion)
    return case


def _new_case(opinion: Opinion) -> Any:
    from server.dispatch.models import Case

    case = Case(opinion_id=opinion.id, received_at=opinion.created_at or utcnow(),
                redo_count=0, return_count=0, extension_count=0)
    db.session.add(case)
    return case


def capacities(user: User, opinion: Opinion, case: Any | None = None) -> set[str]:
    """Return the capacities (dispatcher, handler, member, …) the user holds on this case."""
    case = case if case is not None else _case(opinion)
    unit = db.session.get(Unit, opinion.unit_id)
    held: set[str] = set()
    for grant in user.grants:
        if grant.role in {"dispatcher", "admin", "supervisor"}:
            if (grant.district_wide
                    or (grant.site_id is not None and grant.site_id == opinion.site_id)
                    or (grant.unit is not None and unit is not None
                        and unit.is_within(grant.unit))):
                held.add(grant.role)
        elif grant.role == "handler" and grant.department_id is not None:
            if grant.department_id == case.department_id:
                held.add("handler")
            elif grant.department_id in case.assisting_department_ids:
                held.add("assist")
        elif grant.role == "member" and case.member_user_id == user.id:
            held.add("member")
    return held


def can(user: User, action: str, opinion: Opinion, case: Any | None = None) -> bool:
    """Tell whether the user's capacities on this case allow the action (state aside)."""
    return bool(capacities(user, opinion, case) & ACTION_CAPACITIES[action])


def allowed_actions(user: User, opinion: Opinion) -> list[str]:
    """List the actions the user may take on the case now (for the console's buttons)."""
    case = _case(opinion)
    held = capacities(user, opinion, case)
    result = []
    for action in STAFF_ACTIONS:
        if not held & ACTION_CAPACITIES[action]:
            continue
        if opinion.state not in TRANSITIONS[action]:
            continue
        if action in {"approve_extension", "refuse_extension"} and _pending(opinion.id) is None:
            continue
        if action == "request_extension" and _pending(opinion.id) is not None:
            continue
        if action == "reassign" and case.department_id is None and case.member_user_id is None \
                and case.return_count == 0:
            continue
        result.append(action)
    return result


def _role_for(held: set[str], action: str) -> str:
    usable = held & ACTION_CAPACITIES.get(action, frozenset())
    for capacity in CAPACITY_ORDER:
        if capacity in usable:
            return capacity
    return next(iter(sorted(usable)), "")


def _load(opinion_id: int, user: User, action: str) -> tuple[Opinion, Any, str]:
    """Load the case for update, check scope then state; return it and the acting role."""
    opinion = db.session.get(Opinion, opinion_id, with_for_update=True)
    if opinion is None:
        raise NotFound("找不到该案件", code="case_not_found")
    case = _case(opinion)
    held = capacities(user, opinion, case)
    if not held & ACTION_CAPACITIES[action]:
        if not held & ACTION_CAPACITIES["view"]:
            raise Forbidden("该案件不在您的管辖范围内", code="out_of_scope")
        raise Forbidden(f"您无权{ACTION_NAMES[action]}此案件", code="action_forbidden",
                        errors={"action": action})
    _check_state(opinion, action)
    return opinion, case, _role_for(held, action)


def _check_state(opinion: Opinion, action: str) -> None:
    if opinion.state not in TRANSITIONS[action]:
        raise Conflict(
            f"案件当前为“{STATES.get(opinion.state, opinion.state)}”，不能{ACTION_NAMES[action]}",
            code="transition_not_allowed",
            errors={"action": action, "state": opinion.state,
                    "allowed_from": sorted(TRANSITIONS[action])},
        )


def _event(opinion: Opinion, action: str, *, user: User | None = None,
           resident_id: int | None = None, role: str | None = None,
           to_state: str | None = None, note: str | None = None,
           data: dict[str, Any] | None = None, from_state: str | None = None,
           at: datetime | None = None) -> OpinionEvent:
    before = opinion.state if from_state is None else (from_state or None)
    after = to_state or opinion.state
    at = at or utcnow()
    row = OpinionEvent(
        opinion_id=opinion.id, action=action,
        actor_kind="staff" if user else ("resident" if resident_id else "system"),
        actor_user_id=user.id if user else None, actor_resident_id=resident_id, role=role,
        from_state=before, to_state=after, note=note, data=data or {}, at=at,
        # The participation figure counts raters per unit without reading the opinion
        # (set here, the insert needs no lookup).
        unit_id=opinion.unit_id if action == "rate" else None,
    )
    db.session.add(row)
    opinion.state = after
    opinion.updated_at = at
    return row


def _commit(opinion: Opinion, notes: list[int] | None = None) -> Opinion:
    db.session.commit()
    if notes:
        from server.notify.services import deliver_soon

        deliver_soon(notes)
    return opinion


def _required(value: str | None, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(errors={field: [f"请填写{label}"]})
    if len(text) > 2000:
        raise ValidationFailed(errors={field: ["太长，最多 2000 字"]})
    return text


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ---- submission and deadlines -----------------------------------------------------------


def record_submission(opinion: Opinion, *, resident_id: int | None,
                      entered_by_id: int | None) -> None:
    """Record the 'submitted' event of a new opinion and set its answer deadline; commit."""
    from server.dispatch.deadlines import answer_limit, set_answer_deadline

    if opinion.id is None or opinion.created_at is None:
        db.session.add(opinion)
        db.session.flush()
    opinion.state = "received"
    case = _case(opinion)
    case.received_at = opinion.created_at
    case.answer_days = answer_limit(opinion)
    set_answer_deadline(case, opinion.created_at)
    user = db.session.get(User, entered_by_id) if entered_by_id else None
    _event(opinion, "submit", user=user, resident_id=resident_id,
           role="resident" if resident_id and not user else ("staff" if user else None),
           from_state="", to_state="received",
           data={"answer_due_at": _iso(case.answer_due_at)}, at=opinion.created_at)
    db.session.flush()
    db.session.commit()


# ---- dispatch side ----------------------------------------------------------------------


def accept(opinion_id: int, user: User, note: str | None = None, *,
           now: datetime | None = None) -> Opinion:
    """Accept a received report (受理)."""
    opinion, _case_row, role = _load(opinion_id, user, "accept")
    _event(opinion, "accept", user=user, role=role, to_state="accepted", note=note, at=now)
    db.session.flush()
    from server.notify.services import notify_resident

    notes = notify_resident(opinion, "accepted")
    return _commit(opinion, notes)


def decline(opinion_id: int, user: User, reason: str, *,
            now: datetime | None = None) -> Opinion:
    """Decline a report with a reason (不予受理)."""
    reason = _required(reason, "reason", "不予受理的理由")
    opinion, _case_row, role = _load(opinion_id, user, "decline")
    _event(opinion, "decline", user=user, role=role, to_state="declined", note=reason, at=now)
    return _commit(opinion)


def _target(department_id: int | None, member_user_id: int | None) -> tuple[
        Department | None, User | None]:
    if (department_id is None) == (member_user_id is None):
        raise ValidationFailed("请选择一个承办部门或一位委员",
                               errors={"department_id": ["承办部门和委员只能选一个"]})
    if department_id is not None:
        dept = db.session.get(Department, department_id)
        if dept is None or not dept.active:
            raise ValidationFailed(errors={"department_id": ["承办部门不存在"]})
        return dept, None
    member = db.session.get(User, member_user_id)
    if member is None or not member.active or "member" not in member.roles:
        raise ValidationFailed(errors={"member_user_id": ["该用户不是政协委员"]})
    return None, member


def _apply_assignment(opinion: Opinion, case: Any, dept: Department | None,
                      member: User | None, assisting: Iterable[int],
                      now: datetime | None = None) -> dict[str, Any]:
    from server.dispatch.deadlines import set_sign_deadline
    from server.dispatch.models import CaseAssist

    assisting_ids = sorted({int(d) for d in assisting} - ({dept.id} if dept else set()))
    for dept_id in assisting_ids:
        row = db.session.get(Department, dept_id)
        if row is None or not row.active:
            raise ValidationFailed(errors={"assisting_department_ids": ["协办部门不存在"]})
    case.department_id = dept.id if dept else None
    case.member_user_id = member.id if member else None
    case.assists = [CaseAssist(opinion_id=opinion.id, department_id=d) for d in assisting_ids]
    now = now or utcnow()
    case.assigned_at = now
    case.signed_at = None
    set_sign_deadline(case, now)
    return {
        "department_id": case.department_id,
        "department_name": dept.name if dept else None,
        "member_user_id": case.member_user_id,
        "member_name": member.display_name if member else None,
        "assisting_department_ids": assisting_ids,
        "sign_due_at": _iso(case.sign_due_at),
        "answer_due_at": _iso(case.answer_due_at),
    }


def assign(opinion_id: int, user: User, *, department_id: int | None = None,
           member_user_id: int | None = None, assisting_department_ids: Iterable[int] = (),
           note: str | None = None, now: datetime | None = None) -> Opinion:
    """Assign a case to a department (with assisting ones) or to a member (派单)."""
    opinion, case, role = _load(opinion_id, user, "assign")
    dept, member = _target(department_id, member_user_id)
    from server.notify.services import notify_assignee, notify_resident

    notes: list[int] = []
    if opinion.state == "received":
        # Assigning a new report accepts it first: both steps stay on record.
        _event(opinion, "accept", user=user, role=role, to_state="accepted", at=now)
        db.session.flush()
        notes += notify_resident(opinion, "accepted")
    data = _apply_assignment(opinion, case, dept, member, assisting_department_ids, now)
    _event(opinion, "assign", user=user, role=role, to_state="assigned", note=note, data=data,
           at=now)
    db.session.flush()
    notes += notify_assignee(opinion, case)
    signals.case_assigned.send(_commit(opinion, notes))
    return opinion


def reassign(opinion_id: int, user: User, *, department_id: int | None = None,
             member_user_id: int | None = None, assisting_department_ids: Iterable[int] = (),
             note: str | None = None, now: datetime | None = None) -> Opinion:
    """Send a case to another department or member (转派), e.g. after it was returned."""
    opinion, case, role = _load(opinion_id, user, "reassign")
    if case.department_id is None and case.member_user_id is None and case.return_count == 0:
        raise Conflict("该案件尚未派单，请使用派单", code="transition_not_allowed",
                       errors={"action": "reassign", "state": opinion.state})
    before = {"department_id": case.department_id, "member_user_id": case.member_user_id}
    dept, member = _target(department_id, member_user_id)
    data = _apply_assignment(opinion, case, dept, member, assisting_department_ids, now)
    data["previous"] = before
    _event(opinion, "reassign", user=user, role=role, to_state="assigned", note=note, data=data,
           at=now)
    db.session.flush()
    from server.notify.services import notify_assignee

    signals.case_assigned.send(_commit(opinion, notify_assignee(opinion, case)))
    return opinion


def merge(opinion_id: int, user: User, into_id: int, note: str | None = None) -> Opinion:
    """Close a case as a duplicate of another one (合并)."""
    if into_id == opinion_id:
        raise ValidationFailed(errors={"into_id": ["不能合并到自身"]})
    opinion, _case_row, role = _load(opinion_id, user, "merge")
    target = db.session.get(Opinion, into_id)
    if target is None:
        raise ValidationFailed(errors={"into_id": ["找不到要合并到的案件"]})
    if not can(user, "view", target):
        raise Forbidden("目标案件不在您的管辖范围内", code="out_of_scope")
    if target.state in {"merged", "voided", "declined"}:
        raise Conflict("目标案件已合并、作废或不予受理，不能合并到它", code="merge_target_closed",
                       errors={"into_id": into_id, "state": target.state})
    opinion.merged_into_id = target.id
    _event(opinion, "merge", user=user, role=role, to_state="merged", note=note,
           data={"into_id": target.id, "into_tracking_no": target.tracking_no})
    _event(target, "merged_from", user=user, role=role, note=note,
           data={"from_id": opinion.id, "from_tracking_no": opinion.tracking_no})
    return _commit(opinion)


def void(opinion_id: int, user: User, reason: str, *, now: datetime | None = None) -> Opinion:
    """Void a case with a reason (作废); admins only."""
    reason = _required(reason, "reason", "作废理由")
    opinion, _case_row, role = _load(opinion_id, user, "void")
    _event(opinion, "void", user=user, role=role, to_state="voided", note=reason, at=now)
    return _commit(opinion)


# ---- assignee side ----------------------------------------------------------------------


def sign(opinion_id: int, user: User, *, now: datetime | None = None) -> Opinion:
    """Sign for an assigned case (签收)."""
    opinion, case, role = _load(opinion_id, user, "sign")
    case.signed_at = now or utcnow()
    late = case.sign_due_at is not None and case.signed_at > case.sign_due_at
    _event(opinion, "sign", user=user, role=role, to_state="signed",
           data={"late": late}, at=case.signed_at)
    return _commit(opinion)


def start(opinion_id: int, user: User, note: str | None = None, *,
          now: datetime | None = None) -> Opinion:
    """Start handling a signed case (办理中)."""
    opinion, _case_row, role = _load(opinion_id, user, "start")
    _event(opinion, "start", user=user, role=role, to_state="in_progress", note=note, at=now)
    return _commit(opinion)


def answer(opinion_id: int, user: User, text: str, *, now: datetime | None = None) -> Opinion:
    """Answer the resident (答复)."""
    text = _required(text, "text", "答复内容")
    opinion, case, role = _load(opinion_id, user, "answer")
    now = now or utcnow()
    opinion.answer = text
    opinion.answered_at = now
    # The resident's latest rating stands (figures and scores read it) until they rate this
    # new answer: only the new answer's 7-day window is reset (rated_at None = not rated yet).
    opinion.rated_at = None
    late = case.answer_due_at is not None and now > case.answer_due_at
    _event(opinion, "answer", user=user, role=role, to_state="answered", note=text,
           data={"late": late, "redo_count": case.redo_count}, at=now)
    db.session.flush()
    from server.notify.services import notify_resident

    return _commit(opinion, notify_resident(opinion, "answered"))


def return_case(opinion_id: int, user: User, reason: str, *,
                now: datetime | None = None) -> Opinion:
    """Return a wrongly assigned case to dispatch (退单), with a reason."""
    reason = _required(reason, "reason", "退单理由")
    opinion, case, role = _load(opinion_id, user, "return")
    data = {"department_id": case.department_id, "member_user_id": case.member_user_id}
    case.return_count += 1
    case.department_id = None
    case.member_user_id = None
    case.assists = []
    case.sign_due_at = None
    case.signed_at = None
    _event(opinion, "return", user=user, role=role, to_state="accepted", note=reason, data=data,
           at=now)
    return _commit(opinion)


def _pending(opinion_id: int) -> Any:
    from server.dispatch.models import ExtensionRequest

    return db.session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.opinion_id == opinion_id, ExtensionRequest.status == "pending"))


def request_extension(opinion_id: int, user: User, days: int, reason: str, *,
                      now: datetime | None = None) -> Opinion:
    """Ask for more working days to answer (延期申请)."""
    from server.dispatch.models import ExtensionRequest

    reason = _required(reason, "reason", "延期理由")
    if not 1 <= int(days) <= 30:
        raise ValidationFailed(errors={"days": ["延期天数应在 1 到 30 个工作日之间"]})
    opinion, case, role = _load(opinion_id, user, "request_extension")
    if _pending(opinion.id) is not None:
        raise Conflict("已有待审批的延期申请", code="extension_pending",
                       errors={"action": "request_extension", "state": opinion.state})
    row = ExtensionRequest(opinion_id=opinion.id, requested_by_id=user.id, days=int(days),
                           reason=reason, status="pending", old_due_at=case.answer_due_at,
                           created_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    _event(opinion, "request_extension", user=user, role=role, note=reason,
           data={"extension_id": row.id, "days": int(days)}, at=now)
    return _commit(opinion)


def _decide_extension(opinion_id: int, user: User, action: str,
                      note: str | None, now: datetime | None = None) -> Opinion:
    from server.dispatch.deadlines import extend_answer_deadline

    opinion, case, role = _load(opinion_id, user, action)
    row = _pending(opinion.id)
    if row is None:
        raise Conflict("没有待审批的延期申请", code="transition_not_allowed",
                       errors={"action": action, "state": opinion.state})
    row.decided_by_id = user.id
    row.decided_at = now or utcnow()
    row.decision_note = note
    data: dict[str, Any] = {"extension_id": row.id, "days": row.days}
    if action == "approve_extension":
        row.status = "approved"
        row.old_due_at = case.answer_due_at
        extend_answer_deadline(case, row.days)
        row.new_due_at = case.answer_due_at
        case.extension_count += 1
        data.update(old_due_at=_iso(row.old_due_at), new_due_at=_iso(row.new_due_at))
    else:
        row.status = "refused"
    _event(opinion, action, user=user, role=role, note=note, data=data, at=row.decided_at)
    return _commit(opinion)


def approve_extension(opinion_id: int, user: User, note: str | None = None, *,
                      now: datetime | None = None) -> Opinion:
    """Approve the pending extension; the answer deadline moves by its working days."""
    return _decide_extension(opinion_id, user, "approve_extension", note, now)


def refuse_extension(opinion_id: int, user: User, note: str | None = None, *,
                     now: datetime | None = None) -> Opinion:
    """Refuse the pending extension; the deadline stays."""
    return _decide_extension(opinion_id, user, "refuse_extension", note, now)


# ---- resident side ----------------------------------------------------------------------


RATING_CHANGE_DAYS = 7
# States a rated case can be in while its rating may still change: closed (satisfied), or
# back with the assignee for redo (unsatisfied) until they answer again.
RATING_CHANGE_STATES = frozenset({"answered", "closed", "assigned", "signed", "in_progress"})


def rate(opinion_id: int, resident: Resident, rating: str, comment: str | None, *,
         now: datetime | None = None) -> Opinion:
    """Rate the answer, or change the rating within 7 days of first rating it.

    A first rating of 满意/基本满意 closes the case and 不满意 sends it back for redo. A change
    moves the case the same way: to 不满意 reopens a closed case for redo, from 不满意 to
    满意/基本满意 withdraws the redo and closes it. Every rating and change is on the timeline;
    `rated_at` stays the time of the first rating of the current answer (a new answer resets
    it), and after RATING_CHANGE_DAYS the rating is fixed (409 rating_fixed).
    """
    from datetime import timedelta

    from server.common.text import local_time
    from server.dispatch.deadlines import set_answer_deadline

    if rating not in RATINGS:
        raise ValidationFailed(errors={"rating": ["只能是：满意、基本满意、不满意"]})
    now = now or utcnow()
    opinion = db.session.get(Opinion, opinion_id, with_for_update=True)
    if opinion is None:
        raise NotFound("找不到该反映", code="case_not_found")
    if opinion.resident_id is None or opinion.resident_id != resident.id:
        raise Forbidden("只能评价自己反映的问题", code="not_your_report")
    previous = opinion.rating if opinion.rated_at is not None else None
    if previous is None:
        _check_state(opinion, "rate")
    else:
        if opinion.state not in RATING_CHANGE_STATES:
            _check_state(opinion, "rate")
        fixed_at = opinion.rated_at + timedelta(days=RATING_CHANGE_DAYS)
        if now >= fixed_at:
            raise Conflict(
                f"评价已超过 {RATING_CHANGE_DAYS} 天（{local_time(opinion.rated_at):%Y-%m-%d %H:%M}"
                f" 评价），不能再修改",
                code="rating_fixed",
                errors={"rated_at": opinion.rated_at.isoformat(),
                        "fixed_at": fixed_at.isoformat()})
    comment = (comment or "").strip()[:500] or None
    case = _case(opinion)
    opinion.rating = rating
    opinion.rating_comment = comment
    if previous is None:
        opinion.rated_at = now
    data: dict[str, Any] = {"rating": rating, "rating_name": RATINGS[rating]}
    if previous is not None:
        data.update(change=True, previous=previous, previous_name=RATINGS[previous])
    _event(opinion, "rate", resident_id=resident.id, role="resident", note=comment,
           data=data, at=now)
    was_good = previous is not None and previous != "unsatisfied"
    if rating == "unsatisfied" and (previous is None or was_good):
        case.redo_count += 1
        set_answer_deadline(case, now)
        why = "群众将评价改为不满意" if was_good else "群众不满意"
        _event(opinion, "redo", role="system", to_state="in_progress",
               note=f"{why}，退回承办单位重办（第 {case.redo_count} 次）",
               data={"redo_count": case.redo_count, "answer_due_at": _iso(case.answer_due_at),
                     "department_id": case.department_id,
                     "member_user_id": case.member_user_id}, at=now)
        db.session.flush()
        from server.notify.services import notify_assignee

        return _commit(opinion, notify_assignee(opinion, case, redo=True))
    if rating != "unsatisfied" and opinion.state != "closed":
        note = (f"群众评价“{RATINGS[rating]}”，案件办结" if previous is None or was_good
                else f"群众将评价改为“{RATINGS[rating]}”，撤回重办，案件办结")
        _event(opinion, "close", role="system", to_state="closed", note=note, at=now)
    return _commit(opinion)


__all__ = [
    "ACTION_CAPACITIES", "ACTION_NAMES", "STAFF_ACTIONS", "TRANSITIONS", "accept",
    "allowed_actions", "answer", "approve_extension", "assign", "can", "capacities", "decline",
    "merge", "rate", "reassign", "record_submission", "refuse_extension", "request_extension",
    "return_case", "sign", "start", "void",
]


# ---- events that change no state (supervision orders on a case) --------------------------

ACTION_NAMES.update({"supervise": "督办", "supervise_respond": "督办回复",
                     "supervise_escalate": "督办升级", "supervise_close": "督办办结",
                     "deadline_recomputed": "期限重算"})


def record_note(opinion_id: int, action: str, *, user: User | None, role: str | None,
                note: str | None = None, data: dict[str, Any] | None = None) -> OpinionEvent:
    """Append a timeline event that leaves the state as it is; the caller commits."""
    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该案件", code="case_not_found")
    row = OpinionEvent(
        opinion_id=opinion.id, action=action, actor_kind="staff" if user else "system",
        actor_user_id=user.id if user else None, role=role, from_state=opinion.state,
        to_state=opinion.state, note=note, data=data or {}, at=utcnow(),
    )
    db.session.add(row)
    return row
