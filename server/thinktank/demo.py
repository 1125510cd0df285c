"""Demo think tank: 1,450 experts over the district's sectors, members attached to sites."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import insert, select

from server.common.models import utcnow
from server.extensions import db
from server.people.models import Expert, Member, MemberSite, User
from server.sites.models import Circle, Site, Unit
from server.thinktank.vocabulary import specialties, specialty_vocabulary

EXPERTS = 1450
DISTRICT_WIDE = 250  # the rest are spread over the 14 sectors

SURNAMES = ("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 "
            "邓 曹 彭 曾 肖 田 董 袁 潘 蒋 蔡 余 杜 叶 程 魏 苏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 "
            "汪 范 金 石 廖 贾 夏 韦 付 方 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 黎 贺 顾 毛 "
            "郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤").split()
GIVEN = list("建国华明军平志红海强玉兰秀英丽敏静燕芳伟磊洋勇艳杰娟涛超霞刚桂英婷宇飞鹏辉文斌"
             "立新晓东春梅冬梅雪峰亚伟跃进金凤卫东永生德胜振华国庆小龙婧怡佳琪子涵浩然")

# Per specialty: (titles, organisations); "{town}" is replaced by the expert's sector.
PROFILES: dict[str, tuple[list[str], list[str]]] = {
    "agriculture": (["高级农艺师", "农艺师", "畜牧师", "家庭农场主"],
                    ["{town}农业农村服务中心", "盐都区农业技术推广中心", "盐城市农业科学院"]),
    "roads": (["高级工程师", "工程师", "路桥工程师"],
              ["盐都区交通运输局", "{town}建设服务中心", "盐城市公路事业发展中心"]),
    "water": (["水利工程师", "高级工程师"], ["盐都区水务局", "{town}水利站"]),
    "planning": (["注册规划师", "高级工程师", "注册建筑师"],
                 ["盐都区自然资源和规划局", "盐城市规划设计研究院", "{town}建设服务中心"]),
    "environment": (["环境工程师", "高级工程师"], ["盐城市盐都生态环境局", "盐城工学院"]),
    "education": (["中学高级教师", "小学校长", "副教授"],
                  ["{town}中心小学", "盐都区教师发展中心", "盐城师范学院"]),
    "health": (["主任医师", "副主任医师", "全科医生"],
               ["{town}卫生院", "盐都区人民医院", "盐都区疾病预防控制中心"]),
    "law": (["律师", "人民调解员", "法律顾问"], ["江苏盐都律师事务所", "{town}司法所"]),
    "social_security": (["社会工作师", "科长"], ["盐都区人力资源和社会保障局", "盐都区民政局"]),
    "elderly": (["养老护理员", "社会工作师", "院长"], ["{town}敬老院", "盐都区居家养老服务中心"]),
    "culture_tourism": (["文化站站长", "副研究馆员"], ["{town}文化站", "盐都区文化馆"]),
    "economy": (["经济师", "高级会计师", "企业负责人"],
                ["盐都区发展和改革委员会", "江苏银行盐都支行", "盐都区工商业联合会"]),
    "governance": (["村党组织书记", "社区主任", "网格长"], ["{town}党群服务中心"]),
    "safety": (["注册安全工程师", "消防工程师"], ["盐都区应急管理局", "盐都区消防救援大队"]),
}
# Rural sectors need more agriculture, roads and water experts than the others.
WEIGHTS = {"agriculture": 5, "roads": 4, "water": 3, "planning": 3, "environment": 3,
           "education": 2, "health": 2, "law": 2, "social_security": 2, "elderly": 3,
           "culture_tourism": 1, "economy": 2, "governance": 2, "safety": 2}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(["139", "138", "137", "158", "181", "189"])
    return f"{prefix}{rng.randint(0, 99999999):08d}"


def _expert_rows(rng: random.Random, district: Unit, sectors: list[Unit]) -> list[dict[str, Any]]:
    codes = list(specialties())
    weights = [WEIGHTS.get(c, 1) for c in codes]
    by_specialty: dict[str, list[str]] = {c: [] for c in codes}
    for word, owners in specialty_vocabulary()[1].items():
        for code in owners:
            by_specialty[code].append(word)
    areas = [district] * DISTRICT_WIDE
    areas += [sectors[i % len(sectors)] for i in range(EXPERTS - DISTRICT_WIDE)]
    now = utcnow()
    rows = []
    for area in areas:
        chosen: list[str] = []
        while len(chosen) < rng.choice([1, 1, 2, 2, 3]):
            code = rng.choices(codes, weights)[0]
            if code not in chosen:
                chosen.append(code)
        words = sorted(by_specialty[chosen[0]])
        keywords = rng.sample(words, k=min(len(words), rng.randint(0, 2)))
        titles, orgs = PROFILES[chosen[0]]
        town = area.name if area.depth else "盐都区"
        rows.append({
            "name": _name(rng), "specialties": "|" + "|".join(chosen) + "|",
            "keywords": "|" + "|".join(keywords) + "|", "unit_id": area.id,
            "title": rng.choice(titles), "organisation": rng.choice(orgs).format(town=town),
            "availability": rng.choices(["available", "busy", "unavailable"], [80, 15, 5])[0],
            "phone": _phone(rng), "active": True, "created_at": now, "updated_at": now,
        })
    return rows


def seed_thinktank_demo(seed: int = 1450) -> dict[str, int]:
    """Insert the demo experts and members in bulk; return how many of each."""
    rng = random.Random(seed)
    district = db.session.scalar(select(Unit).where(Unit.depth == 0).order_by(Unit.id))
    if district is None:
        return {"experts": 0, "members": 0}
    sectors = list(db.session.scalars(select(Unit).where(Unit.depth == 1).order_by(Unit.id)))
    db.session.execute(insert(Expert), _expert_rows(rng, district, sectors))

    circles = list(db.session.scalars(select(Circle).order_by(Circle.id)))
    sector_of = {u.id: u for u in sectors}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.depth == 2))}
    sites = list(db.session.scalars(select(Site).order_by(Site.id)))
    # Every demonstration site and studio gets members; so does every other village room.
    chosen = [s for s in sites if s.kind != "room"] + [s for s in sites if s.kind == "room"][::2]
    member_rows, link_sites = [], []
    for site in chosen:
        unit = units.get(site.unit_id) or sector_of.get(site.unit_id)
        sector_id = unit.parent_id if unit is not None and unit.depth == 2 else site.unit_id
        for _ in range(3 if site.kind == "studio" else 1):
            member_rows.append({
                "name": _name(rng), "circle_id": rng.choice(circles).id if circles else None,
                "level": rng.choices(["district", "city", "province"], [85, 12, 3])[0],
                "unit_id": sector_id, "organisation": "", "phone": _phone(rng),
                "active": True, "created_at": utcnow(),
            })
            link_sites.append((site, "studio" if site.kind == "studio" else "liaison"))
    ids = list(db.session.scalars(insert(Member).returning(Member.id), member_rows))
    db.session.execute(insert(MemberSite), [
        {"member_id": member_id, "site_id": site.id, "role": role}
        for member_id, (site, role) in zip(ids, link_sites, strict=True)])
    # The demo "member" account is the liaison of 黄庄村 (its grant covers that site).
    account = db.session.scalar(select(User).where(User.username == "member"))
    huangzhuang = next((i for i, (s, _) in zip(ids, link_sites, strict=True)
                        if s.name == "黄庄村协商议事室"), None)
    if account is not None and huangzhuang is not None:
        db.session.get(Member, huangzhuang).user_id = account.id  # type: ignore[union-attr]
    db.session.commit()
    return {"experts": EXPERTS, "members": len(ids)}
