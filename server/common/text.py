"""Small text helpers for what people read."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number as 138****1234; short numbers keep only the last two digits."""
    if not phone:
        return phone
    digits = re.sub(r"\s", "", phone)
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "**"


# C0 controls and DEL except tab, line feed, carriage return: XLSX (XML 1.0) cannot hold them.
_UNSAFE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Return text any store or export can hold: no lone surrogates, no control characters.

    Input is refused at the door (common.inputs); this keeps logs and exports robust for
    rows written before that, or by paths that do not take a request.
    """
    if _UNSAFE_CONTROL.search(value):
        value = _UNSAFE_CONTROL.sub("", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


# A mainland mobile number inside free text: 11 digits starting 1[3-9], ASCII or full-width,
# optionally split by one space, dash or dot between digits ("139 0000 5678", "139-0000-5679",
# "１３９００００５６８０"), optionally after +86 / 0086.
_D = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\t\\-\u2010-\u2015\uff0d.\u00b7]?"
PHONE_IN_TEXT = re.compile(
    rf"(?<![0-9\uff10-\uff19])((?:(?:\+|＋|00)?86{_SEP})?)([1\uff11]{_SEP}[3-9\uff13-\uff19]"
    rf"(?:{_SEP}{_D}){{9}})(?![0-9\uff10-\uff19])"
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def mask_phones_in_text(text: str | None) -> str | None:
    """Hide every mobile number written inside free text, as 139****5678."""
    if not text:
        return text

    def masked(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(2).translate(_FULL_WIDTH))
        return match.group(1) + digits[:3] + "****" + digits[-4:]

    return PHONE_IN_TEXT.sub(masked, text)


def local_time(value: datetime) -> datetime:
    """Convert a UTC time to Asia/Shanghai for display."""
    return value.astimezone(SHANGHAI)
