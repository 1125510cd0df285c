"""The meetings domain's errors: refused votes, check-ins and a tally that is away."""

from __future__ import annotations

from server.errors import Conflict, DomainError, Forbidden


class PollClosed(Conflict):
    code, message = "poll_closed", "投票已结束"


class AlreadyVoted(Conflict):
    code, message = "already_voted", "您已投过票，每人只能投一次"


class NotCheckedIn(Forbidden):
    code, message = "not_checked_in", "请先签到再投票"


class PresenceExpired(DomainError):
    status, code = 422, "presence_expired"
    message = "签到二维码已过期，请扫描大屏幕上最新的二维码（二维码每 30 秒更换一次）"


class PresenceInvalid(DomainError):
    status, code, message = 422, "presence_invalid", "签到码无效，请扫描会场大屏幕上的签到二维码"


class TallyUnavailable(DomainError):
    status, code = 503, "tally_unavailable"
    message = "计票服务暂时不可用，投票已停止；计票服务恢复后会自动完成结算"


# Seconds a phone waits before sending a pending ballot again (the page backs off further).
VOTE_RETRY_AFTER = 2


class VotePending(DomainError):
    """The ballot was not counted: Redis, the only place that acknowledges ballots, is away.

    Why not take it through the database meanwhile: without Redis the server cannot know
    whether this resident's earlier ballot, acknowledged a moment before Redis went away, is
    still waiting in the poll's stream; accepting another one could acknowledge a second
    ballot for the same resident. So the page keeps the ballot (and its idempotency key) and
    sends it again until a definite answer comes.
    """

    status, code = 503, "vote_pending"
    message = "计票服务正在恢复，您的选票尚未计入，页面会自动重试，请勿关闭页面"

    def __init__(self) -> None:
        super().__init__(errors={"retry_after": VOTE_RETRY_AFTER})
