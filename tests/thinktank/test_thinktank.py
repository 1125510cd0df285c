"""Members and the think tank: registers, suggestions by topic and area, invitations."""

from __future__ import annotations

import itertools
import time
from typing import Any

from sqlalchemy import func, select

from server.extensions import db
from server.intake.models import Opinion
from server.notify.models import Notification
from server.people.models import Expert, Invitation, Member, MemberSite
from server.people.services import issue_api_token
from server.sites.models import Circle, Unit
from tests.factories import bearer, make_district, make_user
from tests.meetings.factories import make_meeting

_seq = itertools.count(1)

FARM_ROAD = "龙冈镇黄庄村的机耕路坑坑洼洼，下雨天拖拉机下不了田，希望修一修"


def auth(user: Any) -> dict[str, str]:
    return bearer(issue_api_token(user)[0])


def make_expert(name: str, specialties: list[str], unit: Unit | None, **kwargs: Any) -> Expert:
    expert = Expert(name=name, specialties="|" + "|".join(specialties) + "|",
                    keywords="|" + "|".join(kwargs.pop("keywords", [])) + "|",
                    unit_id=unit.id if unit else None, phone=kwargs.pop("phone", "13812345678"),
                    **kwargs)
    db.session.add(expert)
    db.session.commit()
    return expert


def make_opinion(site: Any, text: str = FARM_ROAD) -> Opinion:
    opinion = Opinion(tracking_no=f"T{next(_seq):08d}", site_id=site.id, unit_id=site.unit_id,
                      text=text, state="accepted")
    db.session.add(opinion)
    db.session.commit()
    return opinion


def make_member(name: str, site: Any = None, circle: str | None = None, **kwargs: Any
                ) -> Member:
    circle_row = None
    if circle:
        circle_row = db.session.scalar(select(Circle).where(Circle.name == circle))
        if circle_row is None:
            circle_row = Circle(code=f"C{next(_seq)}", name=circle)
            db.session.add(circle_row)
            db.session.flush()
    member = Member(name=name, circle_id=circle_row.id if circle_row else None,
                    phone=kwargs.pop("phone", "13900001111"), **kwargs)
    if site is not None:
        member.sites = [MemberSite(site_id=site.id, role="liaison")]
    db.session.add(member)
    db.session.commit()
    return member


def farm_road_world() -> tuple[Any, dict[str, Expert]]:
    d = make_district()
    experts = {
        "lg_agri": make_expert("龙冈农业专家", ["agriculture"], d.town),
        "lg_roads": make_expert("龙冈道路专家", ["roads"], d.town),
        "lg_both": make_expert("龙冈农路专家", ["agriculture", "roads"], d.town),
        "dg_agri": make_expert("大冈农业专家", ["agriculture"], d.other_town),
        "dg_both": make_expert("大冈农路专家", ["agriculture", "roads"], d.other_town),
        "district_both": make_expert("全区农路专家", ["agriculture", "roads"], d.district),
        "district_agri": make_expert("全区农业专家", ["agriculture"], None),
        "lg_health": make_expert("龙冈医疗专家", ["health"], d.town),
        "lg_law": make_expert("龙冈法律专家", ["law", "education"], d.town),
        "lg_off": make_expert("龙冈农业专家（停用）", ["agriculture", "roads"], d.town,
                              availability="unavailable"),
    }
    return d, experts


def test_farm_road_in_longgang_ranks_longgang_agriculture_and_roads_experts_first(client):
    d, experts = farm_road_world()
    opinion = make_opinion(d.site_a)
    dispatcher = make_user("dispatcher")
    response = client.get(f"/api/v1/opinions/{opinion.id}/suggestions",
                          headers=auth(dispatcher))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert "机耕路" in body["keywords"]
    assert {s["name"] for s in body["specialties"]} >= {"农业农村", "交通道路"}
    assert body["area"] == "龙冈镇"
    ranked = [e["id"] for e in body["experts"]]
    longgang = {experts["lg_both"].id, experts["lg_agri"].id, experts["lg_roads"].id}
    assert ranked[0] == experts["lg_both"].id
    assert set(ranked[:3]) == longgang
    # District-wide experts come before those of another town with the same fields.
    assert ranked.index(experts["district_both"].id) < ranked.index(experts["dg_both"].id)
    assert ranked.index(experts["district_agri"].id) < ranked.index(experts["dg_agri"].id)
    # Unrelated specialties of the same town, and unavailable experts, are not suggested.
    assert experts["lg_health"].id not in ranked and experts["lg_law"].id not in ranked
    assert experts["lg_off"].id not in ranked
    top = body["experts"][0]
    assert top["reason"] == "专业匹配：农业农村、交通道路；同一板块：龙冈镇"
    assert top["phone"] == "138****5678"


def test_busy_expert_drops_below_an_available_one_and_says_why(client):
    d = make_district()
    busy = make_expert("较忙专家", ["agriculture", "roads"], d.town, availability="busy")
    free = make_expert("空闲专家", ["agriculture", "roads"], d.town)
    opinion = make_opinion(d.site_a)
    body = client.get(f"/api/v1/opinions/{opinion.id}/suggestions",
                      headers=auth(make_user("admin"))).get_json()
    assert [e["id"] for e in body["experts"]] == [free.id, busy.id]
    assert "近期较忙" in body["experts"][1]["reasons"]


def test_meeting_suggestion_uses_topic_agenda_and_site(client):
    d = make_district()
    elderly_here = make_expert("龙冈养老专家", ["elderly"], d.town)
    elderly_far = make_expert("大冈养老专家", ["elderly"], d.other_town)
    make_expert("龙冈农业专家", ["agriculture"], d.town)
    liaison = make_member("挂钩委员甲", d.site_a, circle="社会福利和社会保障界")
    townmate = make_member("同镇委员乙", d.site_b, circle="文化艺术界")
    make_member("外镇委员丙", d.site_c, circle="文化艺术界")
    meeting = make_meeting(d.site_a, status="draft", title="黄庄村老年食堂怎么办协商会",
                           description="独居老人吃饭难，商量助餐点选址和运营")
    moderator = make_user("moderator", unit_id=d.village_a.id)
    body = client.get(f"/api/v1/meetings/{meeting.id}/suggestions",
                      headers=auth(moderator)).get_json()
    assert [s["code"] for s in body["specialties"]][0] == "elderly"
    assert [e["id"] for e in body["experts"]] == [elderly_here.id, elderly_far.id]
    members = body["members"]
    assert [m["id"] for m in members] == [liaison.id, townmate.id]
    assert members[0]["reasons"] == ["挂钩委员：黄庄村协商议事室", "界别相关：社会福利和社会保障界"]
    assert members[1]["reason"] == "同一板块：龙冈镇"
    # A moderator of another village cannot ask about this meeting.
    other = make_user("moderator", unit_id=d.village_c.id)
    denied = client.get(f"/api/v1/meetings/{meeting.id}/suggestions", headers=auth(other))
    assert denied.status_code == 403 and denied.get_json()["code"] == "out_of_scope"


def test_invite_expert_who_answers_once_through_the_signed_link(client):
    d = make_district()
    expert = make_expert("龙冈道路专家", ["roads"], d.town)
    opinion = make_opinion(d.site_a)
    dispatcher = make_user("dispatcher", unit_id=d.town.id)
    headers = auth(dispatcher)
    created = client.post("/api/v1/invitations", headers=headers,
                          json={"opinion_id": opinion.id, "expert_id": expert.id,
                                "message": "请协助研究机耕路修缮方案"})
    assert created.status_code == 201, created.get_json()
    invitation = created.get_json()
    assert invitation["status"] == "pending" and invitation["invitee_name"] == "龙冈道路专家"
    token = invitation["respond_url"].rsplit("/", 1)[1]
    again = client.post("/api/v1/invitations", headers=headers,
                        json={"opinion_id": opinion.id, "expert_id": expert.id})
    assert again.status_code == 409 and again.get_json()["code"] == "already_invited"

    shown = client.get(f"/api/v1/invitations/by-token/{token}")
    assert shown.status_code == 200
    assert shown.get_json()["target"]["label"] == f"诉求 {opinion.tracking_no}"
    assert shown.get_json()["respond_url"] is None
    answered = client.post(f"/api/v1/invitations/by-token/{token}/respond",
                           json={"response": "accept", "note": "周三下午可到现场"})
    assert answered.status_code == 200
    assert answered.get_json()["status"] == "accepted"
    reused = client.post(f"/api/v1/invitations/by-token/{token}/respond",
                         json={"response": "decline"})
    assert reused.status_code == 409 and reused.get_json()["code"] == "invitation_answered"
    forged = client.get(f"/api/v1/invitations/by-token/{token[:-3]}abc")
    assert forged.status_code == 404

    listed = client.get(f"/api/v1/invitations?opinion_id={opinion.id}", headers=headers)
    [row] = listed.get_json()
    assert row["status_name"] == "已接受" and row["response_note"] == "周三下午可到现场"
    assert row["responded_via"] == "link" and row["respond_url"] is None
    reply = db.session.scalar(select(Notification).where(Notification.event == "invite_reply"))
    assert reply.user_id == dispatcher.id and reply.title == "龙冈道路专家已接受邀请"


def test_member_with_an_account_is_notified_and_answers_signed_in(client):
    d = make_district()
    member_user = make_user("member", site_id=d.site_a.id)
    member = make_member("委员张三", d.site_a, user_id=member_user.id)
    stranger = make_user("member", site_id=d.site_b.id)
    meeting = make_meeting(d.site_a, status="draft", title="机耕路修缮协商会")
    moderator = make_user("moderator", site_id=d.site_a.id)
    created = client.post("/api/v1/invitations", headers=auth(moderator),
                          json={"meeting_id": meeting.id, "member_id": member.id,
                                "message": "请出席并发言"}).get_json()
    inbox = client.get("/api/v1/notifications", headers=auth(member_user))
    assert [n["title"] for n in inbox.get_json()] == ["邀请您参与协商活动：机耕路修缮协商会"]
    row = db.session.scalar(select(Notification).where(Notification.event == "invited"))
    assert row.user_id == member_user.id and row.payload == {"invitation_id": created["id"]}

    mine = client.get("/api/v1/invitations", headers=auth(member_user)).get_json()
    assert [i["id"] for i in mine] == [created["id"]]
    assert client.get("/api/v1/invitations", headers=auth(stranger)).get_json() == []
    refused = client.post(f"/api/v1/invitations/{created['id']}/respond",
                          headers=auth(stranger), json={"response": "accept"})
    assert refused.status_code == 403
    answer = client.post(f"/api/v1/invitations/{created['id']}/respond",
                         headers=auth(member_user),
                         json={"response": "decline", "note": "当天在市里开会"})
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "declined"
    assert answer.get_json()["responded_via"] == "account"
    assert meeting.participants == []  # declining does not add the member
    # The emailed/SMS link stops working once answered another way.
    stale = client.get(f"/api/v1/invitations/by-token/{created['respond_url'].rsplit('/', 1)[1]}")
    assert stale.status_code == 409


def test_invitations_are_validated_and_scoped(client):
    d = make_district()
    expert = make_expert("专家", ["roads"], d.town)
    off = make_expert("停用专家", ["roads"], d.town, availability="unavailable")
    opinion = make_opinion(d.site_c)
    local = make_user("dispatcher", unit_id=d.town.id)
    out = client.post("/api/v1/invitations", headers=auth(local),
                      json={"opinion_id": opinion.id, "expert_id": expert.id})
    assert out.status_code == 403
    admin = auth(make_user("admin"))
    both = client.post("/api/v1/invitations", headers=admin,
                       json={"opinion_id": opinion.id, "expert_id": expert.id, "member_id": 1})
    assert both.status_code == 422
    unavailable = client.post("/api/v1/invitations", headers=admin,
                              json={"opinion_id": opinion.id, "expert_id": off.id})
    assert unavailable.status_code == 409
    handler = make_user("handler", department_id=d.department.id)
    assert client.post("/api/v1/invitations", headers=auth(handler),
                       json={"opinion_id": opinion.id, "expert_id": expert.id}
                       ).status_code == 403
    client.post("/api/v1/invitations", headers=admin,
                json={"opinion_id": opinion.id, "expert_id": expert.id})
    # The town dispatcher's list shows nothing of another town.
    assert client.get("/api/v1/invitations", headers=auth(local)).get_json() == []
    assert len(client.get("/api/v1/invitations", headers=admin).get_json()) == 1


def test_phones_are_masked_in_lists_and_shown_only_in_scope(client):
    d = make_district()
    expert = make_expert("龙冈专家", ["roads"], d.town, phone="13812345678")
    member = make_member("委员", d.site_c, phone="13900001111")
    admin = auth(make_user("admin"))
    local = auth(make_user("dispatcher", unit_id=d.town.id))
    listed = client.get("/api/v1/experts", headers=admin).get_json()
    assert listed["items"][0]["phone"] == "138****5678"
    assert client.get("/api/v1/members", headers=admin).get_json()["items"][0]["phone"] == (
        "139****1111")
    assert client.get(f"/api/v1/experts/{expert.id}", headers=admin).get_json()["phone"] == (
        "13812345678")
    assert client.get(f"/api/v1/experts/{expert.id}", headers=local).get_json()["phone"] == (
        "13812345678")
    # The member is attached to a site in 大冈镇, outside the 龙冈镇 dispatcher's scope.
    assert client.get(f"/api/v1/members/{member.id}", headers=local).get_json()["phone"] == (
        "139****1111")
    assert client.get(f"/api/v1/members/{member.id}", headers=admin).get_json()["phone"] == (
        "13900001111")
    # Three reads showed a full number: three `view` rows; masked reads and lists leave none.
    from server.audit.models import AuditEvent

    views = db.session.scalars(select(AuditEvent).where(AuditEvent.method == "GET")
                               .order_by(AuditEvent.id)).all()
    assert [(v.action, v.personal_data, v.path) for v in views] == [
        ("view", True, f"/api/v1/experts/{expert.id}"),
        ("view", True, f"/api/v1/experts/{expert.id}"),
        ("view", True, f"/api/v1/members/{member.id}")]


def test_only_admins_manage_the_registers(client):
    d = make_district()
    circle = Circle(code="C01", name="农业界")
    db.session.add(circle)
    db.session.commit()
    admin = auth(make_user("admin"))
    dispatcher = auth(make_user("dispatcher"))
    body = {"name": "王专家", "specialties": ["agriculture", "water"], "unit_id": d.town.id,
            "keywords": ["稻虾共作"], "title": "高级农艺师", "phone": "13700002222"}
    assert client.post("/api/v1/experts", headers=dispatcher, json=body).status_code == 403
    created = client.post("/api/v1/experts", headers=admin, json=body)
    assert created.status_code == 201, created.get_json()
    expert = created.get_json()
    assert expert["specialty_names"] == ["农业农村", "水利"] and expert["area"] == "龙冈镇"
    bad = client.post("/api/v1/experts", headers=admin,
                      json={**body, "specialties": ["astrology"]})
    assert bad.status_code == 422
    village = client.post("/api/v1/experts", headers=admin, json={**body, "unit_id":
                                                                   d.village_a.id})
    assert village.status_code == 422
    patched = client.patch(f"/api/v1/experts/{expert['id']}", headers=admin,
                           json={"availability": "busy"}).get_json()
    assert patched["availability_name"] == "较忙" and patched["specialties"] == [
        "agriculture", "water"]
    found = client.get("/api/v1/experts?q=稻虾&specialty=water", headers=dispatcher).get_json()
    assert [e["id"] for e in found["items"]] == [expert["id"]]

    member_user = make_user("member")
    member = client.post("/api/v1/members", headers=admin, json={
        "name": "李委员", "circle_id": circle.id, "level": "city", "user_id": member_user.id,
        "sites": [{"site_id": d.site_a.id, "role": "liaison"},
                  {"site_id": d.site_b.id, "role": "studio"}]})
    assert member.status_code == 201, member.get_json()
    data = member.get_json()
    assert data["level_name"] == "市政协委员" and data["circle"] == "农业界"
    assert [s["role_name"] for s in data["sites"]] == ["挂钩委员", "工作室委员"]
    assert client.patch(f"/api/v1/members/{data['id']}", headers=dispatcher,
                        json={"name": "x"}).status_code == 403
    moved = client.patch(f"/api/v1/members/{data['id']}", headers=admin,
                         json={"sites": [{"site_id": d.site_c.id}]}).get_json()
    assert [s["site_id"] for s in moved["sites"]] == [d.site_c.id]
    by_site = client.get(f"/api/v1/members?site_id={d.site_c.id}", headers=dispatcher)
    assert [m["id"] for m in by_site.get_json()["items"]] == [data["id"]]
    resident_only = client.get("/api/v1/experts")
    assert resident_only.status_code == 401


def test_demo_seeding_creates_the_think_tank_quickly(app):
    from server.demo import seed_demo

    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 1450
    towns = db.session.scalar(select(func.count(func.distinct(Expert.unit_id))))
    assert towns == 15  # 14 sectors and the district itself
    members = db.session.scalar(select(func.count()).select_from(Member))
    assert members >= 100
    assert db.session.scalar(select(func.count()).select_from(MemberSite)) >= members
    linked = db.session.scalar(select(Member).where(Member.user_id.is_not(None)))
    assert linked is not None and linked.sites[0].site.name == "黄庄村协商议事室"

    from server.thinktank.demo import seed_thinktank_demo

    db.session.execute(MemberSite.__table__.delete())
    db.session.execute(Member.__table__.delete())
    db.session.execute(Expert.__table__.delete())
    db.session.commit()
    started = time.perf_counter()
    seed_thinktank_demo()
    assert time.perf_counter() - started < 2.0
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 1450


def test_suggestion_over_the_demo_pool_is_fast(client, app):
    from server.demo import seed_demo
    from server.sites.models import Site

    seed_demo()
    site = db.session.scalar(select(Site).where(Site.name == "黄庄村协商议事室"))
    opinion = make_opinion(site)
    headers = auth(make_user("dispatcher"))
    client.get(f"/api/v1/opinions/{opinion.id}/suggestions", headers=headers)  # warm jieba
    started = time.perf_counter()
    body = client.get(f"/api/v1/opinions/{opinion.id}/suggestions", headers=headers).get_json()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed
    assert len(body["experts"]) == 10
    assert all("同一板块：龙冈镇" in e["reasons"] for e in body["experts"][:5])
    assert all(set(e["specialties"]) & {"agriculture", "roads"} for e in body["experts"])
    assert not any(i for i in db.session.scalars(select(Invitation)))


def test_import_experts_from_a_spreadsheet_all_or_nothing(app, tmp_path):
    d = make_district()
    make_expert("周建国", ["roads"], d.town, phone="13800000001", availability="busy")
    good = tmp_path / "experts.csv"
    good.write_text(
        "姓名,专业领域,关键词,区域,职称,单位,状态,电话\n"
        "周建国,交通道路、农业农村,机耕路,龙冈镇,高级工程师,盐都区交通运输局,可邀请,13800000001\n"
        "钱秀英,养老服务,老年食堂;助餐,全区,社会工作师,盐都区民政局,,13800000002\n",
        encoding="utf-8-sig")
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,专业领域,区域\n孙立新,占星,龙冈镇\n吴敏,水利,火星镇\n,教育,全区\n",
                   encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["thinktank", "import-experts", str(bad)])
    assert refused.exit_code != 0
    assert "第 2 行：专业领域须为固定分类之一，无法识别：占星" in refused.output
    assert "第 3 行：找不到区域“火星镇”" in refused.output and "第 4 行：缺少姓名" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 1

    result = runner.invoke(args=["thinktank", "import-experts", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 1 位专家，更新 1 位" in result.output
    db.session.expire_all()
    zhou = db.session.scalar(select(Expert).where(Expert.name == "周建国"))
    assert zhou.specialties == "|roads|agriculture|" and zhou.availability == "available"
    assert zhou.keywords == "|机耕路|"
    qian = db.session.scalar(select(Expert).where(Expert.name == "钱秀英"))
    assert qian.unit_id == d.district.id and qian.keywords == "|老年食堂|助餐|"


def test_suggestions_show_who_was_already_invited(client):
    d, experts = farm_road_world()
    opinion = make_opinion(d.site_a)
    headers = auth(make_user("dispatcher"))
    client.post("/api/v1/invitations", headers=headers,
                json={"opinion_id": opinion.id, "expert_id": experts["lg_roads"].id})
    body = client.get(f"/api/v1/opinions/{opinion.id}/suggestions", headers=headers).get_json()
    status = {e["id"]: e["invitation_status"] for e in body["experts"]}
    assert status[experts["lg_roads"].id] == "待回复"
    assert status[experts["lg_both"].id] is None


def test_accepting_a_meeting_invitation_lists_the_expert_as_participant(client):
    d = make_district()
    expert = make_expert("养老专家", ["elderly"], d.town, organisation="盐都区民政局")
    meeting = make_meeting(d.site_a, status="draft", title="老年食堂协商会")
    created = client.post("/api/v1/invitations", headers=auth(make_user("admin")),
                          json={"meeting_id": meeting.id, "expert_id": expert.id}).get_json()
    token = created["respond_url"].rsplit("/", 1)[1]
    assert client.post(f"/api/v1/invitations/by-token/{token}/respond",
                       json={"response": "accept"}).status_code == 200
    db.session.expire_all()
    assert [(p.kind, p.name, p.organisation) for p in meeting.participants] == [
        ("expert", "养老专家", "盐都区民政局")]
