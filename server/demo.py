"""Demo data: a district shaped like the article's Yandu (盐都区)."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from server.common.demo import DemoAccount
from server.extensions import db
from server.people.services import create_user
from server.sites.models import Circle, Department, Site, Unit
from server.sites.services import CODE_ALPHABET, CODE_LENGTH, set_unit_path

DEMO_PASSWORD = "shangliang-demo"

# (name, kind, number of villages/communities)
SECTORS: list[tuple[str, str, int]] = [
    ("龙冈镇", "town", 22),
    ("大冈镇", "town", 21),
    ("大纵湖镇", "town", 20),
    ("楼王镇", "town", 20),
    ("学富镇", "town", 20),
    ("尚庄镇", "town", 20),
    ("秦南镇", "town", 19),
    ("郭猛镇", "town", 19),
    ("义丰镇", "town", 19),
    ("盐渎街道", "subdistrict", 20),
    ("潘黄街道", "subdistrict", 18),
    ("盐都智能终端产业园", "park", 5),
    ("盐都新能源汽车产业园", "park", 5),
    ("盐城高新技术产业开发区", "hightech", 22),
]

# Places the article names, kept so the demo reads like the real district.
NAMED_PLACES = {
    "龙冈镇": ["黄庄村"],
    "盐渎街道": ["花吉村", "东升社区"],
    "尚庄镇": ["塘桥村"],
    "楼王镇": ["楼王社区"],
}

PREFIXES = (
    "新丰 永安 朱沟 腰舍 陈桥 孙庄 丁岗 秦家 沙沟 河东 华联 三星 红星 北蒋 张庄 冈西 "
    "南荡 东湖 西湖 花园 仰徐 杨侍 李灶 周伙 马沟 唐桥 陆庄 凤凰 双喜 九龙 前进 光明 "
    "长青 新华 建设 和平 联合 胜利 友谊 中心 富民 兴盐 潭洋 冯庄 葛武 郝荣 王港 步湖 "
    "严伙 学富 尖冈 卞仓 官庄 龙凤 新河 北龙 宝塔 杨家 丰收 春风 金色 盐渎 环城 世纪"
).split()

MIDDLES = ["", "", "", "庄", "桥", "港", "舍", "湾", "河", "岗"]

CIRCLES = [
    "中国共产党", "中国国民党革命委员会", "中国民主同盟", "中国民主建国会", "中国民主促进会",
    "中国农工民主党", "中国致公党", "九三学社", "无党派人士", "中国共产主义青年团",
    "工商业联合会", "科学技术界", "经济界", "农业界", "教育界", "医药卫生界", "文化艺术界",
    "社会福利和社会保障界",
]

DEPARTMENTS = [
    ("JTYS", "交通运输局"), ("ZJ", "住房和城乡建设局"), ("NYNC", "农业农村局"),
    ("MZ", "民政局"), ("CG", "城市管理局"), ("SW", "水务局"), ("STHJ", "生态环境局"),
    ("WJ", "卫生健康委员会"), ("JY", "教育局"), ("ZRZY", "自然资源和规划局"),
    ("SJ", "市场监督管理局"), ("RS", "人力资源和社会保障局"), ("GA", "公安分局"),
    ("GXB", "工业和信息化局"),
]


def _code(rng: random.Random, used: set[str]) -> str:
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in used:
            used.add(code)
            return code


def _village_names(rng: random.Random, sector: str, kind: str, count: int,
                   used: set[str]) -> list[str]:
    names = [n for n in NAMED_PLACES.get(sector, [])]
    used.update(names)
    community_share = {"subdistrict": 0.6, "park": 1.0, "hightech": 0.5}.get(kind, 0.1)
    while len(names) < count:
        suffix = "社区" if rng.random() < community_share else "村"
        # A second syllable keeps enough distinct names for 250 places.
        name = rng.choice(PREFIXES) + rng.choice(MIDDLES) + suffix
        if name not in used:
            used.add(name)
            names.append(name)
    return names


def is_seeded() -> bool:
    """Tell whether the database already holds a district."""
    return (db.session.scalar(select(func.count()).select_from(Unit)) or 0) > 0


def seed_demo(seed: int = 2026) -> list[DemoAccount]:
    """Create the demo district, its sites, circles, departments and one account per role."""
    rng = random.Random(seed)
    district = Unit(code="YD", name="盐都区", kind="district", sort_order=0)
    db.session.add(district)
    db.session.flush()
    set_unit_path(district)
    used_names: set[str] = set()
    used_codes: set[str] = set()
    sites: dict[str, Site] = {}
    sector_units: dict[str, Unit] = {}
    district_population = 0
    for index, (name, kind, count) in enumerate(SECTORS, start=1):
        sector = Unit(code=f"YD{index:02d}", name=name, kind=kind, parent_id=district.id,
                      sort_order=index)
        db.session.add(sector)
        db.session.flush()
        set_unit_path(sector)
        sector_units[name] = sector
        sector_population = 0
        for v_index, v_name in enumerate(
            _village_names(rng, name, kind, count, used_names), start=1
        ):
            v_kind = "community" if v_name.endswith("社区") else "village"
            population = rng.randint(3000, 9000) if v_kind == "community" else rng.randint(
                1500, 4500)
            sector_population += population
            village = Unit(code=f"{sector.code}{v_index:03d}", name=v_name, kind=v_kind,
                           parent_id=sector.id, sort_order=v_index, population=population)
            db.session.add(village)
            db.session.flush()
            set_unit_path(village)
            site = Site(code=_code(rng, used_codes), name=f"{v_name}协商议事室", kind="room",
                        unit_id=village.id, address=f"盐城市盐都区{name}{v_name}党群服务中心",
                        contact_phone=f"0515-8{rng.randint(1000000, 9999999)}")
            db.session.add(site)
            sites[v_name] = site
        sector.population = sector_population
        district_population += sector_population
    district.population = district_population
    demo_sectors = [s for s in SECTORS if s[1] in {"town", "subdistrict"}][:10]
    for name, _kind, _count in demo_sectors:
        db.session.add(Site(
            code=_code(rng, used_codes), name=f"{name}“有事好商量”协商议事示范点", kind="demo",
            is_demo=True, unit_id=sector_units[name].id,
            address=f"盐城市盐都区{name}党群服务中心", contact_phone="0515-88880000",
        ))
    for name in ["龙冈镇", "盐渎街道", "潘黄街道", "楼王镇", "尚庄镇"]:
        db.session.add(Site(
            code=_code(rng, used_codes), name=f"{name}政协委员工作室", kind="studio",
            unit_id=sector_units[name].id, address=f"盐城市盐都区{name}",
            contact_phone="0515-88881111",
        ))
    for index, name in enumerate(CIRCLES, start=1):
        db.session.add(Circle(code=f"C{index:02d}", name=name))
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code] = Department(code=code, name=name, unit_id=district.id,
                                       phone="0515-8" + str(rng.randint(1000000, 9999999)))
        db.session.add(departments[code])
    db.session.flush()

    huangzhuang = sites["黄庄村"]
    longgang = sector_units["龙冈镇"]
    accounts = [
        ("admin", "区政协系统管理员", "admin", {}, "全区"),
        ("dispatcher", "区政协调度员", "dispatcher", {}, "全区"),
        ("longgang", "龙冈镇调度员", "dispatcher", {"unit_id": longgang.id}, "龙冈镇"),
        ("moderator", "黄庄村主持人", "moderator", {"unit_id": huangzhuang.unit_id},
         "龙冈镇 · 黄庄村"),
        ("handler", "交通运输局办理人", "handler",
         {"department_id": departments["JTYS"].id}, "交通运输局"),
        ("supervisor", "区政协督查员", "supervisor", {}, "全区"),
        ("member", "政协委员（挂钩黄庄村）", "member", {"site_id": huangzhuang.id},
         "黄庄村协商议事室"),
    ]
    result = []
    for username, display, role, scope, label in accounts:
        create_user(username, DEMO_PASSWORD, display, [{"role": role, **scope}])
        result.append(DemoAccount(username, role, label))
    db.session.commit()
    from server.dispatch.demo import seed_dispatch_demo

    # Categories, routing, reply templates and a few cases in several states.
    seed_dispatch_demo()
    from server.meetings.demo import seed_meetings_demo

    seed_meetings_demo()
    from server.supervision.demo import seed_supervision_demo

    result += seed_supervision_demo()  # a department head, late cases, supervision orders
    from server.assessment.demo import seed_assessment_demo

    seed_assessment_demo()
    from server.thinktank.demo import seed_thinktank_demo

    seed_thinktank_demo()  # 1,450 experts and members attached to sites
    from server.evaluation.demo import seed_evaluation_demo

    seed_evaluation_demo()  # reports, ratings, meetings and scans for the dashboard and wall
    return result


def demo_accounts() -> list[DemoAccount]:
    """Describe the demo accounts (for the start command's banner)."""
    from server.people.models import User

    rows = db.session.scalars(select(User).order_by(User.id))
    return [DemoAccount(u.username, ",".join(sorted(u.roles)), u.display_name) for u in rows]
