"""The password policy and temporary passwords.

A new password has at least 10 characters, is not the username (nor built on it) and is not
on the list of common passwords (`data/common_passwords.txt`, made by
`scripts/make_common_passwords.py`). Temporary passwords are random and long, so they are
stored as SHA-256 like API tokens: a slow hash protects guessable secrets, not these.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from pathlib import Path

from server.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 128
LIST_PATH = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
# No 0/O, 1/l/I: people type these from a sheet of paper or a phone message.
TEMP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TEMP_GROUPS = 4
TEMP_GROUP_LENGTH = 4  # 16 characters of 31: about 79 bits
DEMO_PASSWORDS = frozenset({"shangliang-demo"})


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the refused passwords, lower-cased (read once per process)."""
    lines = LIST_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#")) | DEMO_PASSWORDS


def policy_problems(password: str, username: str = "") -> list[str]:
    """Return what is wrong with a new password, in Chinese (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码最多 {MAX_LENGTH} 位")
    lowered = password.lower()
    name = username.strip().lower()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        problems.append("密码不能是用户名，也不能包含用户名")
    # Symbols tacked on at either end ("woaini1314!") do not make a common password safe.
    core = lowered.strip("!@#$%^&*.,;:?~-_+= ")
    if lowered in common_passwords() or core in common_passwords():
        problems.append("这个密码太常见，容易被猜到，请换一个")
    elif len(set(lowered)) <= 2:
        problems.append("密码不能只由一两个字符重复组成")
    return problems


def check_policy(password: str, username: str = "") -> None:
    """Raise ValidationFailed (field `password`) unless the password meets the policy."""
    problems = policy_problems(password, username)
    if problems:
        raise ValidationFailed("新密码不符合要求", errors={"password": problems})


def new_temporary_password() -> str:
    """Draw a temporary password like `k7m2-9xqa-pt4e-h3wz`."""
    return "-".join("".join(secrets.choice(TEMP_ALPHABET) for _ in range(TEMP_GROUP_LENGTH))
                    for _ in range(TEMP_GROUPS))


def temporary_digest(password: str) -> str:
    """Return the stored form of a temporary password (SHA-256, hex)."""
    return hashlib.sha256(password.strip().lower().encode()).hexdigest()


def temporary_matches(stored: str | None, password: str) -> bool:
    """Compare a typed temporary password with its stored digest in constant time."""
    if not stored:
        return False
    return secrets.compare_digest(stored, temporary_digest(password))
