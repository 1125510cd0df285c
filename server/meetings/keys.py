"""Redis keys of the meetings domain; every key of one poll shares the hash tag {poll:ID}."""

from __future__ import annotations

PREFIX = "sl:meetings"
# Live poll state is kept for a week after the last write, then Redis may drop it: the
# database holds every ballot and the frozen result by then.
POLL_TTL_SECONDS = 7 * 24 * 3600


def _poll(poll_id: int, part: str) -> str:
    return f"{PREFIX}:{{poll:{poll_id}}}:{part}"


def poll_meta(poll_id: int) -> str:
    """Hash: status, options, max choices, generation, version of one poll."""
    return _poll(poll_id, "meta")


def poll_eligible(poll_id: int) -> str:
    """Set of resident ids checked in to the poll's meeting."""
    return _poll(poll_id, "eligible")


def poll_voted(poll_id: int) -> str:
    """Hash: resident id -> ballot id."""
    return _poll(poll_id, "voted")


def poll_tally(poll_id: int) -> str:
    """Hash: option id -> online count, p:<option id> -> paper count, ballots -> total."""
    return _poll(poll_id, "tally")


def poll_stream(poll_id: int) -> str:
    """Stream of accepted ballots waiting for (or already copied to) the database."""
    return _poll(poll_id, "stream")


def poll_cursor(poll_id: int) -> str:
    """Id of the last stream entry the persister has stored in the database."""
    return _poll(poll_id, "cursor")


def poll_idempotency(poll_id: int) -> str:
    """Hash: resident id + idempotency key -> the first answer given."""
    return _poll(poll_id, "idem")


def poll_drain_lock(poll_id: int) -> str:
    """Lock held while one process copies the stream into the database or rebuilds."""
    return _poll(poll_id, "lock")


def poll_keys(poll_id: int) -> list[str]:
    """Return the keys the vote script reads and writes, in its KEYS order."""
    return [poll_meta(poll_id), poll_eligible(poll_id), poll_voted(poll_id),
            poll_tally(poll_id), poll_stream(poll_id), poll_idempotency(poll_id)]


def active_polls() -> str:
    """Set of poll ids whose streams the background persister watches (an index, no tag)."""
    return f"{PREFIX}:active-polls"


def persister_heartbeat() -> str:
    """Set (with a short TTL) while a dedicated persister process drains every poll."""
    return f"{PREFIX}:persister"


def events_channel(meeting_id: int) -> str:
    """Pub/sub channel of one meeting's live events."""
    return f"{PREFIX}:ev:{meeting_id}"


def events_pattern() -> str:
    """Pattern one subscriber per process listens to."""
    return f"{PREFIX}:ev:*"


def meeting_id_from_channel(channel: str) -> int:
    """Return the meeting id a channel name carries."""
    return int(channel.rsplit(":", 1)[1])


def outcome_case_lock(outcome_id: int) -> str:
    """Lock held while one request turns an outcome into a dispatch case."""
    return f"{PREFIX}:outcome-case:{outcome_id}"


def checkin_attempts(meeting_id: int, who: str) -> str:
    """Counter: check-in attempts of one device (or address) at one meeting, short-lived."""
    return f"{PREFIX}:{{meeting:{meeting_id}}}:checkin-attempts:{who}"


def checkin_devices(meeting_id: int) -> str:
    """Hash: device id -> the resident id that checked in from it."""
    return f"{PREFIX}:{{meeting:{meeting_id}}}:checkin-devices"


def checkin_refused(meeting_id: int) -> str:
    """Set of "device|resident id": another resident tried to check in from a used device."""
    return f"{PREFIX}:{{meeting:{meeting_id}}}:checkin-refused"
