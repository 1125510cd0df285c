"""Hot topics: thirty opinions about three matters, in different words, make three topics."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.evaluation import topics
from server.evaluation.periods import Period
from tests.evaluation.factories import local, make_opinion
from tests.factories import make_district

FARM_ROAD = [
    "村里的机耕路坑坑洼洼，下雨天拖拉机开不进田里",
    "田间道路破损严重，农机下不了地，秋收要耽误了",
    "生产路到处是坑，收割机过不去，请修一修",
    "我们组那条田间路一下雨就成了烂泥路，农用车陷进去好几回",
    "机耕路塌陷了一大段，种田的人进出很不方便",
    "下田的路太烂了，希望能硬化一下机耕路",
    "田头路坑洼不平，拖拉机开过去颠得厉害",
    "农田道路多年没人修，坑洞越来越多",
    "东片的生产路断裂，收割机绕了好远才进田",
    "机耕路泥泞，春耕时农机进不去，麻烦修缮",
]
ELEVATOR = [
    "老旧小区没有电梯，老人爬楼太难，希望加装电梯",
    "我家住六楼，老两口腿脚不好，上下楼很吃力，能不能装电梯",
    "多层住宅想增设电梯，一楼住户不同意，请社区协调",
    "老小区加电梯的补贴政策是什么，怎么申请",
    "楼里老年人多，每天爬楼梯太辛苦，盼着安装电梯",
    "加装电梯的费用怎么分摊，居民意见不统一",
    "老楼没有电梯，大爷大妈下楼买菜都困难",
    "希望政府支持老旧小区加装电梯，方便老人出行",
    "五楼的老人家腿脚不便，上楼要歇好几次，能否加装电梯",
    "老小区电梯加装方案什么时候公示",
]
CHARGING = [
    "小区里电瓶车没地方充电，飞线充电很危险，要装充电桩",
    "电动车只能从楼上拉线充电，存在火灾隐患",
    "希望在车棚里建充电设施，方便电动自行车充电",
    "私拉电线给电动车充电太危险了，请增加充电桩",
    "充电桩太少，每天晚上排队充电",
    "电瓶车充电车棚坏了，插座都不通电",
    "楼道里有人给电车充电，着火了怎么办",
    "小区能不能多装几个充电口，两轮车没处充电",
    "充电站收费太高，电动车充一次要好几块",
    "有人飞线充电，安全隐患很大，希望建个充电车棚",
]


def _groups_by_matter(texts: list[str], clusters: list[list[int]]) -> list[set[int]]:
    matter = {i: i // 10 for i in range(len(texts))}
    return [{matter[i] for i in group} for group in clusters]


def test_thirty_opinions_in_different_words_make_three_topics() -> None:
    texts = [t for trio in zip(FARM_ROAD, ELEVATOR, CHARGING, strict=True) for t in trio]
    # Interleaved so that order cannot do the grouping; map back to matters afterwards.
    order = {text: n for n, text in enumerate(FARM_ROAD + ELEVATOR + CHARGING)}
    clusters = topics.cluster(texts)
    as_matters = [{order[texts[i]] // 10 for i in group} for group in clusters]
    assert len(clusters) == 3, [[texts[i] for i in g] for g in clusters]
    assert all(len(m) == 1 for m in as_matters)
    assert sorted(len(g) for g in clusters) == [10, 10, 10]


def test_user_dictionary_keeps_local_words_whole() -> None:
    assert "机耕路" in topics.tokenize("村里的机耕路坑坑洼洼")
    assert "加装电梯" in topics.tokenize("希望给老楼加装电梯")
    assert "充电桩" in topics.tokenize("小区要装充电桩")
    # Variants fold to the canonical word; stop words are gone.
    assert topics.tokenize("田间路")[0] == "机耕路"
    assert "的" not in topics.tokenize("村里的机耕路")


def test_hot_topics_of_a_unit_with_weekly_counts(db: Any, redis: Any) -> None:
    d = make_district()
    for n, text in enumerate(FARM_ROAD + ELEVATOR + CHARGING):
        site = d.site_a if n < 20 else d.site_c  # charging reports come from 大冈镇
        make_opinion(site, "received", local(f"2025-03-{3 + n % 14:02d}"), text=text)
    db.session.commit()
    period = Period(date(2025, 3, 1), date(2025, 4, 1))

    result = topics.hot_topics(d.district.id, period)
    assert result["weeks"][0] == "2025-02-24"
    assert [t["count"] for t in result["topics"]] == [10, 10, 10]
    labels = " ".join(t["label"] for t in result["topics"])
    assert "机耕路" in labels and "加装电梯" in labels and "充电桩" in labels
    for topic in result["topics"]:
        assert sum(topic["weeks"]) == topic["count"]
        assert len(topic["opinions"]) == topic["count"]  # clicking a topic lists them
    words = {k["word"]: k["count"] for k in result["keywords"]}
    assert words["机耕路"] == 10

    town = topics.hot_topics(d.town.id, period)
    assert sum(t["count"] for t in town["topics"]) == 20  # only 龙冈镇's opinions
    # A new report changes the data version: the cache does not serve stale topics.
    make_opinion(d.site_b, "received", local("2025-03-20"), text="机耕路又坏了，拖拉机进不去")
    db.session.commit()
    again = topics.hot_topics(d.town.id, period)
    assert sum(t["count"] for t in again["topics"]) == 21
