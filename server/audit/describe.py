"""Readable Chinese for an audit event: what was done to what, and the request's fields."""

from __future__ import annotations

import re
from typing import Any

# The first path segment after /api/v1/ names the thing acted on.
NOUNS = {
    "accounts": "账号", "assessment": "考评", "auth": "登录", "cases": "案件",
    "departments": "部门", "dispatch": "调度设置", "district": "区县数据", "duty": "委员履职",
    "evaluation": "评价", "experts": "智库专家", "intake": "社情民意", "invitations": "活动邀请",
    "m": "协商活动", "meeting-outcomes": "协商成果", "meeting-proposals": "议题建议",
    "meeting-topics": "协商议题", "meetings": "协商活动", "members": "政协委员",
    "notifications": "消息", "notify": "消息推送", "polls": "表决", "proposals": "提案",
    "review": "主席会议审议", "sites": "点位", "supervision": "督办", "units": "行政单元",
    "audit": "审计日志", "open311": "外部平台案件",
}
# The last literal segment names the act; a bare collection is a create (POST) or an edit.
VERBS = {
    "accept": "受理", "answer": "答复", "approve-extension": "同意延期", "assign": "派单",
    "decline": "不予受理", "merge": "合并", "reassign": "转派", "refuse-extension": "驳回延期",
    "request-extension": "申请延期", "return": "退单", "sign": "签收", "start": "开始办理",
    "void": "作废", "bulk-assign": "批量派单", "disable": "停用", "enable": "启用",
    "grants": "授予角色", "reset-password": "重置密码", "login": "登录", "logout": "退出登录",
    "password": "修改密码", "tokens": "签发令牌", "guest": "游客登录", "wechat": "微信登录",
    "evidence": "上传佐证材料", "review": "审核", "settings": "修改设置",
    "calendar": "修改节假日", "complete": "确认全年节假日", "deadline-rules": "修改办理时限",
    "reply-templates": "新增答复模板",
    "routes": "设置派单规则", "import": "导入", "rating": "评价", "opinions": "提交",
    "support": "附议", "photos": "上传照片", "sensitive-words": "设置敏感词", "similar": "查相似",
    "respond": "回复", "checkin": "签到", "proposals": "提交", "case": "转为案件",
    "feedback": "反馈", "decision": "决定", "from-opinion": "从群众意见生成",
    "outcomes": "登记成果",
    "polls": "新建表决", "roll": "点名", "status": "变更状态", "topics": "提出议题",
    "read": "标为已读", "retry": "重新发送", "deliver": "发送", "subscriptions": "订阅",
    "templates": "修改模板", "close": "结束", "open": "开始", "paper": "录入纸质票",
    "votes": "投票", "cosign": "联名", "file": "立案", "submit": "提交", "resubmit": "重新提交",
    "sessions": "召开会议", "replace-code": "更换二维码", "follow": "关注", "head": "设置负责人",
    "orders": "下发督办", "escalate": "升级督办", "sweep": "巡检预警", "retire": "撤销",
    "moderation": "审核", "categories": "设置类别", "items": "设置标准项", "requests": "提交",
    "events": "查询", "export": "导出",
}
METHOD_VERBS = {"POST": "新建", "PUT": "设置", "PATCH": "修改", "DELETE": "删除", "GET": "查看"}
# Request fields a person reads, in Chinese; others keep their name.
FIELDS = {
    "username": "用户名", "display_name": "姓名", "department_id": "部门", "note": "备注",
    "reason": "理由", "text": "内容", "days": "天数", "title": "标题", "name": "名称",
    "demand": "要求", "due_days": "期限（工作日）", "tracking_no": "受理编号", "role": "角色",
    "unit_id": "行政单元", "site_id": "点位", "status": "状态", "choices": "选项",
    "member_user_id": "委员", "assisting_department_ids": "协办部门", "into_id": "并入案件",
    "quorum": "法定人数", "starts_at": "开始时间", "place": "地点", "kind": "类别",
    "target_kind": "督办对象", "stars": "评分", "phone": "电话", "values": "设置值",
}
# A path parameter, as Flask (<int:id>) or OpenAPI ({id}) writes it.
_PARAM = re.compile(r"^(<(?:[a-z]+:)?[a-z_]+>|\{[a-z_]+\})$")


def describe(method: str, template: str | None, path: str) -> str:
    """Say in Chinese what a request did, e.g. 案件 #12 · 派单."""
    tpl = (template or path).split("?")[0]
    parts = [p for p in re.sub(r"^/(api/v1|open311/v2)/", "", tpl).strip("/").split("/") if p]
    real = [p for p in re.sub(r"^/(api/v1|open311/v2)/", "", path.split("?")[0]).strip("/")
            .split("/") if p]
    if not parts:
        return f"{METHOD_VERBS.get(method, method)} {path}"
    noun = NOUNS.get(parts[0], parts[0])
    ids = [real[i] for i, p in enumerate(parts) if _PARAM.match(p) and i < len(real)]
    literal = [p for p in parts[1:] if not _PARAM.match(p)]
    last = parts[-1]
    if _PARAM.match(last) or not literal:
        verb = METHOD_VERBS.get(method, method)
    else:
        verb = VERBS.get(last.split(".")[0], METHOD_VERBS.get(method, method))
    target = f"{noun} #{ids[0]}" if ids else noun
    return verb if verb == target else f"{target} · {verb}"


def summary_text(summary: dict[str, Any] | None) -> str:
    """Render a request's recorded fields as 字段：值; without braces and quotes."""
    if not summary:
        return ""
    shown = []
    for key, value in summary.items():
        if isinstance(value, list):
            value = "、".join(str(v) for v in value) or "（空）"
        elif isinstance(value, dict):
            value = summary_text(value)
        elif value is None:
            value = "（空）"
        elif isinstance(value, bool):
            value = "是" if value else "否"
        shown.append(f"{FIELDS.get(key, key)}：{value}")
    return "；".join(shown)
