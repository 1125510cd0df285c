"""Security headers on every response: CSP, no framing, no referrer leaks, no sniffing.

The pages are plain ES modules from /static, so scripts come from our own origin only; the
few inline scripts in our HTML files (say, the resident page's large-text switch that must
run before first paint) are allowed by their SHA-256, computed from the files at start-up,
so an injected script never runs. Inline styles stay allowed: style attributes are used
across the pages and cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def inline_script_hashes(static_root: Path) -> list[str]:
    """Return the CSP source expressions ('sha256-…') of every inline script in our pages."""
    hashes: set[str] = set()
    for page in sorted(static_root.rglob("*.html")):
        for body in INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(hashes)


def content_security_policy(script_hashes: list[str]) -> str:
    """Build the one policy every response carries."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def install_security_headers(app: Flask) -> None:
    """Add the security headers to every response the app (or its fast paths) sends."""
    policy = content_security_policy(inline_script_hashes(Path(app.static_folder or "")))
    fixed = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if app.config.get("PUBLIC_BASE_URL", "").startswith("https://"):
        fixed["Strict-Transport-Security"] = "max-age=31536000"

    extra = list(fixed.items())
    names = {name.lower() for name in fixed}
    inner = app.wsgi_app

    # A WSGI wrapper (not an after_request hook) so answers sent before Flask's request cycle,
    # like the live vote's fast path, carry the same headers.
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            if not names <= present:
                headers.extend(item for item in extra if item[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
