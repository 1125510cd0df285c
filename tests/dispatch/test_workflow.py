"""Walk cases through every path of the workflow and read the timeline back."""

from __future__ import annotations

from typing import Any

import pytest

from server.dispatch import workflow
from server.dispatch.models import Case, ExtensionRequest
from server.errors import Conflict, Forbidden, ValidationFailed
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from tests.dispatch.factories import make_opinion


def steps(opinion_id: int) -> list[tuple[str, str | None, str | None, str | None]]:
    """Return (action, from, to, role) for every event of a case, oldest first."""
    db.session.expire_all()
    events = db.session.query(OpinionEvent).filter_by(opinion_id=opinion_id) \
        .order_by(OpinionEvent.id).all()
    return [(e.action, e.from_state, e.to_state, e.role) for e in events]


def case_of(opinion_id: int) -> Case:
    db.session.expire_all()
    case = db.session.get(Case, opinion_id)
    assert case is not None
    return case


def test_happy_path_to_closed(world: Any) -> None:
    w = world
    o = make_opinion(w.d.site_a, resident_id=w.resident.id)
    workflow.accept(o.id, w.dispatcher, "收到")
    workflow.assign(o.id, w.dispatcher, department_id=w.d.department.id,
                    assisting_department_ids=[w.other_dept.id], note="请尽快处理")
    workflow.sign(o.id, w.handler)
    workflow.start(o.id, w.handler)
    workflow.answer(o.id, w.handler, "路灯已全部更换")
    closed = workflow.rate(o.id, w.resident, "basically", "还行")
    assert closed.state == "closed"
    assert steps(o.id) == [
        ("submit", None, "received", "resident"),
        ("accept", "received", "accepted", "dispatcher"),
        ("assign", "accepted", "assigned", "dispatcher"),
        ("sign", "assigned", "signed", "handler"),
        ("start", "signed", "in_progress", "handler"),
        ("answer", "in_progress", "answered", "handler"),
        ("rate", "answered", "answered", "resident"),
        ("close", "answered", "closed", "system"),
    ]
    case = case_of(o.id)
    assert case.assisting_department_ids == [w.other_dept.id]
    assert case.sign_due_at is not None and case.answer_due_at is not None
    events = db.session.query(OpinionEvent).filter_by(opinion_id=o.id).order_by(
        OpinionEvent.id).all()
    assert events[1].note == "收到" and events[1].actor_user_id == w.dispatcher.id
    assert events[5].note == "路灯已全部更换"
    assert events[6].actor_resident_id == w.resident.id
    assert events[2].data["assisting_department_ids"] == [w.other_dept.id]


def test_decline_needs_a_reason_and_ends_the_case(world: Any) -> None:
    o = make_opinion(world.d.site_a)
    with pytest.raises(ValidationFailed):
        workflow.decline(o.id, world.dispatcher, "  ")
    workflow.decline(o.id, world.dispatcher, "不属于本平台受理范围")
    assert steps(o.id)[-1] == ("decline", "received", "declined", "dispatcher")
    with pytest.raises(Conflict) as refused:
        workflow.assign(o.id, world.dispatcher, department_id=world.d.department.id)
    assert refused.value.code == "transition_not_allowed"
    assert refused.value.errors["action"] == "assign"
    assert refused.value.errors["state"] == "declined"


def test_return_then_reassign_to_another_department(world: Any) -> None:
    w = world
    o = make_opinion(w.d.site_a)
    workflow.assign(o.id, w.dispatcher, department_id=w.d.department.id)
    workflow.sign(o.id, w.handler)
    with pytest.raises(ValidationFailed):
        workflow.return_case(o.id, w.handler, "")
    workflow.return_case(o.id, w.handler, "不属于我局职责，应由住建局处理")
    case = case_of(o.id)
    assert case.department_id is None and case.return_count == 1
    # The old department no longer sees it or can act on it.
    with pytest.raises(Forbidden):
        workflow.sign(o.id, w.handler)
    workflow.reassign(o.id, w.dispatcher, department_id=w.other_dept.id, note="转住建局")
    workflow.sign(o.id, w.other_handler)
    workflow.answer(o.id, w.other_handler, "已安排维修")
    assert steps(o.id)[1:] == [
        ("accept", "received", "accepted", "dispatcher"),
        ("assign", "accepted", "assigned", "dispatcher"),
        ("sign", "assigned", "signed", "handler"),
        ("return", "signed", "accepted", "handler"),
        ("reassign", "accepted", "assigned", "dispatcher"),
        ("sign", "assigned", "signed", "handler"),
        ("answer", "signed", "answered", "handler"),
    ]
    reassign_event = db.session.query(OpinionEvent).filter_by(
        opinion_id=o.id, action="reassign").one()
    assert reassign_event.data["department_id"] == w.other_dept.id
    assert reassign_event.note == "转住建局"


def test_extension_request_refused_then_approved_moves_the_deadline(world: Any) -> None:
    w = world
    o = make_opinion(w.d.site_a, kind="help")
    workflow.assign(o.id, w.dispatcher, department_id=w.d.department.id)
    workflow.sign(o.id, w.handler)
    workflow.start(o.id, w.handler)
    due = case_of(o.id).answer_due_at
    with pytest.raises(Conflict):
        workflow.approve_extension(o.id, w.dispatcher)  # nothing pending
    workflow.request_extension(o.id, w.handler, 3, "需要协调施工队")
    with pytest.raises(Conflict) as twice:
        workflow.request_extension(o.id, w.handler, 2, "再申请")
    assert twice.value.code == "extension_pending"
    with pytest.raises(Forbidden):
        workflow.approve_extension(o.id, w.handler)  # handlers cannot approve their own
    workflow.refuse_extension(o.id, w.dispatcher, "期限内可完成")
    assert case_of(o.id).answer_due_at == due
    workflow.request_extension(o.id, w.handler, 3, "材料未到")
    workflow.approve_extension(o.id, w.dispatcher, "同意")
    case = case_of(o.id)
    assert case.answer_due_at is not None and due is not None
    assert case.answer_due_at > due and case.extension_count == 1
    rows = db.session.query(ExtensionRequest).filter_by(opinion_id=o.id) \
        .order_by(ExtensionRequest.id).all()
    assert [r.status for r in rows] == ["refused", "approved"]
    assert rows[1].old_due_at == due and rows[1].new_due_at == case.answer_due_at
    tail = steps(o.id)[-4:]
    assert tail == [
        ("request_extension", "in_progress", "in_progress", "handler"),
        ("refuse_extension", "in_progress", "in_progress", "dispatcher"),
        ("request_extension", "in_progress", "in_progress", "handler"),
        ("approve_extension", "in_progress", "in_progress", "dispatcher"),
    ]


def test_unsatisfied_twice_redoes_twice_then_closes(world: Any) -> None:
    w = world
    o = make_opinion(w.d.site_a, resident_id=w.resident.id)
    workflow.assign(o.id, w.dispatcher, member_user_id=w.member.id)
    workflow.sign(o.id, w.member)
    workflow.answer(o.id, w.member, "第一次答复")
    with pytest.raises(Forbidden):
        workflow.rate(o.id, w.stranger, "unsatisfied", None)  # not their report
    workflow.rate(o.id, w.resident, "unsatisfied", "没修好")
    assert case_of(o.id).redo_count == 1
    workflow.answer(o.id, w.member, "第二次答复")
    workflow.rate(o.id, w.resident, "unsatisfied", "还是没修好")
    assert case_of(o.id).redo_count == 2
    workflow.answer(o.id, w.member, "第三次答复：已彻底修复")
    final = workflow.rate(o.id, w.resident, "satisfied", None)
    assert final.state == "closed" and final.answer == "第三次答复：已彻底修复"
    actions = [s[0] for s in steps(o.id)]
    assert actions == ["submit", "accept", "assign", "sign", "answer", "rate", "redo", "answer",
                       "rate", "redo", "answer", "rate", "close"]
    redo = [s for s in steps(o.id) if s[0] == "redo"]
    assert redo == [("redo", "answered", "in_progress", "system")] * 2
    redo_events = db.session.query(OpinionEvent).filter_by(opinion_id=o.id, action="redo") \
        .order_by(OpinionEvent.id).all()
    assert [e.data["redo_count"] for e in redo_events] == [1, 2]
    assert redo_events[0].data["member_user_id"] == w.member.id


def test_merge_a_duplicate_records_both_sides(world: Any) -> None:
    w = world
    first = make_opinion(w.d.site_a)
    dup = make_opinion(w.d.site_b, text="黄庄村路灯坏了")
    with pytest.raises(ValidationFailed):
        workflow.merge(dup.id, w.dispatcher, dup.id)
    workflow.merge(dup.id, w.dispatcher, first.id, "同一问题")
    db.session.expire_all()
    assert db.session.get(Opinion, dup.id).merged_into_id == first.id
    assert steps(dup.id)[-1] == ("merge", "received", "merged", "dispatcher")
    assert steps(first.id)[-1] == ("merged_from", "received", "received", "dispatcher")
    with pytest.raises(Conflict):
        workflow.accept(dup.id, w.dispatcher)
    # Nothing merges into a merged case.
    third = make_opinion(w.d.site_a)
    with pytest.raises(Conflict) as closed:
        workflow.merge(third.id, w.dispatcher, dup.id)
    assert closed.value.code == "merge_target_closed"
    # A dispatcher of another town cannot merge into a case outside their scope.
    far = make_opinion(w.d.site_c)
    with pytest.raises(Forbidden):
        workflow.merge(far.id, w.far_dispatcher, first.id)


def test_void_is_for_admins_with_a_reason(world: Any) -> None:
    o = make_opinion(world.d.site_a)
    workflow.assign(o.id, world.dispatcher, department_id=world.d.department.id)
    with pytest.raises(Forbidden):
        workflow.void(o.id, world.dispatcher, "重复录入")
    with pytest.raises(ValidationFailed):
        workflow.void(o.id, world.admin, "")
    workflow.void(o.id, world.admin, "测试数据")
    assert steps(o.id)[-1] == ("void", "assigned", "voided", "admin")
    with pytest.raises(Conflict):
        workflow.void(o.id, world.admin, "再次作废")


# Every action against every state: allowed ones succeed, the rest are 409 naming the step.
ALL_STATES = ["received", "accepted", "assigned", "signed", "in_progress", "answered", "closed",
              "declined", "merged", "voided"]


def _drive(w: Any, state: str, resident_id: int) -> Opinion:
    """Bring a fresh case to `state` through the workflow (an admin does every step)."""
    a = w.admin
    o = make_opinion(w.d.site_a, resident_id=resident_id)
    path = {
        "accepted": [lambda: workflow.accept(o.id, a)],
        "declined": [lambda: workflow.decline(o.id, a, "理由")],
        "merged": [lambda: workflow.merge(o.id, a, make_opinion(w.d.site_a).id)],
        "voided": [lambda: workflow.void(o.id, a, "理由")],
    }
    assign = [lambda: workflow.assign(o.id, a, department_id=w.d.department.id)]
    chain = assign + [lambda: workflow.sign(o.id, a), lambda: workflow.start(o.id, a),
                      lambda: workflow.answer(o.id, a, "答复"),
                      lambda: workflow.rate(o.id, w.resident, "satisfied", None)]
    order = ["assigned", "signed", "in_progress", "answered", "closed"]
    if state in order:
        path[state] = chain[: order.index(state) + 1]
    for step in path.get(state, []):
        step()
    db.session.expire_all()
    fresh = db.session.get(Opinion, o.id)
    assert fresh is not None and fresh.state == state
    return fresh


def _call(action: str, w: Any, o: Opinion) -> None:
    a = w.admin
    calls = {
        "accept": lambda: workflow.accept(o.id, a),
        "decline": lambda: workflow.decline(o.id, a, "理由"),
        "assign": lambda: workflow.assign(o.id, a, department_id=w.d.department.id),
        "reassign": lambda: workflow.reassign(o.id, a, department_id=w.other_dept.id),
        "return": lambda: workflow.return_case(o.id, a, "理由"),
        "sign": lambda: workflow.sign(o.id, a),
        "start": lambda: workflow.start(o.id, a),
        "answer": lambda: workflow.answer(o.id, a, "答复"),
        "request_extension": lambda: workflow.request_extension(o.id, a, 2, "理由"),
        "rate": lambda: workflow.rate(o.id, w.resident, "satisfied", None),
        "merge": lambda: workflow.merge(o.id, a, make_opinion(w.d.site_a).id),
        "void": lambda: workflow.void(o.id, a, "理由"),
    }
    calls[action]()


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_disallowed_transition_is_refused(world: Any, state: str) -> None:
    w = world
    actions = ["accept", "decline", "assign", "reassign", "return", "sign", "start", "answer",
               "request_extension", "rate", "merge", "void"]
    for action in actions:
        o = _drive(w, state, w.resident.id)
        allowed = state in workflow.TRANSITIONS[action]
        if action == "reassign" and state == "accepted":
            allowed = False  # never assigned yet: 派单, not 转派
        if action == "rate" and state == "closed":
            allowed = True  # a rated case's rating may change for 7 days (workflow.rate)
        before = len(steps(o.id))
        if allowed:
            _call(action, w, o)
            assert len(steps(o.id)) > before, (action, state)
        else:
            with pytest.raises(Conflict) as refused:
                _call(action, w, o)
            assert refused.value.code == "transition_not_allowed", (action, state)
            assert refused.value.errors["action"] == action
            assert refused.value.errors["state"] == state
            assert len(steps(o.id)) == before, (action, state)
            db.session.expire_all()
            assert db.session.get(Opinion, o.id).state == state
