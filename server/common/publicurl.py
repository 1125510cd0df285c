"""The public address printed in QR codes: refuse one a resident's phone cannot reach.

Outside demo mode a poster or a join code pointing at a loopback, private, link-local or
`.local` address is a dead code on a wall; this says so before anything is printed. (qr/
stays free of Flask: the check lives here, on the app's side.)
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app

from server.errors import DomainError

LOCAL_SUFFIXES = (".local", ".localhost", ".lan", ".internal", ".home.arpa", ".localdomain")


class PublicAddressUnreachable(DomainError):
    status, code = 409, "public_base_url_not_public"
    message = "二维码地址不是公网地址"


def unreachable_reason(base_url: str) -> str | None:
    """Return why residents' phones could not open this base URL, or None if they can."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "不是完整的 http(s) 网址"
    host = parts.hostname.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
            return f"{host} 是本机或局域网名称"
        if "." not in host:
            return f"{host} 不是公网域名"
        return None
    if address.is_loopback:
        return f"{host} 是本机回环地址"
    if address.is_link_local:
        return f"{host} 是链路本地地址"
    if address.is_private or address.is_unspecified or address.is_reserved:
        return f"{host} 是内网地址"
    return None


def refusal_message(base_url: str, reason: str) -> str:
    """Say in Chinese why the address cannot be printed and what to set instead."""
    return (f"二维码地址 {base_url} 群众手机无法打开（{reason}）。请把环境变量 PUBLIC_BASE_URL "
            "设为群众能访问的公网地址（如 https://shangliang.example.gov.cn）后重启；"
            "仅演示时请用 make run 或 flask serve --demo 启动。")


def printable_base_url() -> str:
    """Return PUBLIC_BASE_URL for a QR code, or raise unless it is public (demo mode excepted)."""
    base = str(current_app.config["PUBLIC_BASE_URL"])
    if current_app.config.get("DEMO_MODE"):
        return base
    reason = unreachable_reason(base)
    if reason:
        raise PublicAddressUnreachable(refusal_message(base, reason),
                                       errors={"public_base_url": base, "reason": reason})
    return base
