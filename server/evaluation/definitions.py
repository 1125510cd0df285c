"""What each figure means (shown beside each figure, and in the README), and the ratios."""

from __future__ import annotations

from server.common.numbers import round_half_up

# "Accepted" = reached 已受理 or any later working state; declined, merged, voided and
# still-waiting cases are not accepted.
ACCEPTED_STATES = ("accepted", "assigned", "signed", "in_progress", "answered", "closed")


GOOD_RATINGS = ("satisfied", "basically")


# Cases whose answer deadline means something: still to be answered, or answered. Declined,
# merged and voided cases can never be late, so they leave the overdue share's denominator.
DEADLINE_STATES = ("received", *ACCEPTED_STATES)


# Meetings that took place (进行中 counts: it is being held).
HELD_MEETING_STATUSES = ("in_session", "closed")


DEFINITIONS: dict[str, dict[str, str]] = {
    "awareness": {
        "name": "知晓率",
        "formula": "扫码或打开点位页面的独立访客数 ÷ 单元常住人口",
        "note": "访客按设备去重（同一设备多日、多点位只计一次）；单元未设人口时不计算比率",
    },
    "participation": {
        "name": "参与率",
        "formula": "反映问题、参与表决、签到、评价答复或评价协商成果的独立群众数 ÷ 单元常住人口",
        "note": "同一群众在期间内多次参与只计一次（评价按评价时间计，协商成果按首次评价时间计）；"
                "单元未设人口时不计算比率",
    },
    "success": {
        "name": "成事率",
        "formula": "已解决件数 ÷ 已受理件数",
        "note": "统计期内反映的问题；已受理＝已受理及之后的办理状态（不含不予受理、合并、作废）；"
                "已解决＝已办结，或已答复且群众评价满意/基本满意；重办后解决的只计一件",
    },
    "satisfaction": {
        "name": "满意率",
        "formula": "（满意 + 基本满意）÷ 评价数；评价数＝已评价的问题件数＋协商成果评价数",
        "note": "问题按每件最后一次评价计；协商成果按每位群众对每项成果的最后一次评价计，"
                "归入成果所属活动开始的统计期；评价 7 天内可修改，之后固定；"
                "没有评价时不计算比率（不显示 0% 或 100%）",
    },
    "activities": {"name": "开展活动",
                   "formula": "统计期内开始且已举行（进行中或已结束）的协商议事活动数",
                   "note": ""},
    "collected": {"name": "收集意见", "formula": "统计期内反映的社情民意件数（不含作废、审核拒绝）",
                  "note": ""},
    "solved": {"name": "解决问题", "formula": "其中已解决的件数（定义同成事率）", "note": ""},
    "avg_answer_days": {"name": "平均答复天数",
                        "formula": "已答复件从反映到最近一次答复的平均自然日数", "note": ""},
    "overdue_share": {"name": "超期占比",
                      "formula": "答复期限已过而未按期答复的件数 ÷ 有答复期限的件数",
                      "note": "不予受理、合并、作废的件不计入（它们不会超期）；"
                              "期限为第 N 个工作日北京时间 23:59:59"},
}


RATE_KEYS = ("awareness", "participation", "success", "satisfaction")


COUNTER_KEYS = ("activities", "collected", "solved", "avg_answer_days", "overdue_share")


def ratio(numerator: int | float | None, denominator: int | float | None,
          places: int = 4) -> float | None:
    """Return numerator/denominator rounded half up to `places`, or None without meaning."""
    if numerator is None or not denominator:
        return None
    return round_half_up(float(numerator) / float(denominator), places)


# Rates over a population are tiny at district level (218 of 960,383): kept to 6 places
# (one resident in a million) and also given per 10,000 residents.
POPULATION_PLACES = 6


def per_10k(numerator: int | None, population: int | None) -> float | None:
    """Return numerator per 10,000 residents, half up to one decimal (None without meaning)."""
    if numerator is None or not population:
        return None
    return round_half_up(numerator * 10000 / population, 1)
