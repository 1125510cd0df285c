"""Shared words of the import: yes/no, kinds, the words for district-wide and work days."""

from __future__ import annotations

import re
from typing import Any

YES = {"是", "y", "yes", "true", "1", "√", "撤销", "停用"}
NO = {"否", "n", "no", "false", "0"}
CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SITE_CODE = re.compile(r"^[A-Z0-9]{4,16}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
DISTRICT_WORDS = {"全区", "全县", "全市", "全区县", "区县"}
WORKDAY_WORDS = {"上班", "调休上班", "补班", "调休", "工作日"}
HOLIDAY_WORDS = {"放假", "休息", "假日", "节假日", "休假"}


def kind_of(value: Any, names: dict[str, str]) -> str | None:
    """Return the key of a kind given as its key or its Chinese name, or None."""
    text = str(value or "").strip()
    if text in names:
        return text
    return next((k for k, v in names.items() if v == text), None)


def yes(value: Any) -> bool | None:
    """Read a yes/no cell (empty is no); None when it is neither."""
    text = str(value if value is not None else "").strip().lower()
    if text in YES:
        return True
    if text in NO or text == "":
        return False
    return None


def text_of(value: Any) -> str | None:
    """Return a cell as trimmed text (whole numbers without ".0"), None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None
