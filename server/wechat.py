"""Client for WeChat's server API (mini-program login, content check, subscribe messages).

Plain Python on purpose: the base URL is configurable so tests talk to a local fake that
speaks WeChat's documented JSON, and nothing here needs Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests

from server.errors import DomainError


class WeChatError(DomainError):
    """WeChat refused or failed a call; mapped to a clear status for our callers."""

    status, code, message = 502, "wechat_error", "微信服务暂时不可用，请稍后再试"


# errcode -> (our status, our code, message for people)
ERRCODES: dict[int, tuple[int, str, str]] = {
    40029: (400, "wechat_code_invalid", "微信登录凭证无效或已过期，请重新打开页面"),
    40163: (400, "wechat_code_used", "微信登录凭证已被使用，请重新打开页面"),
    45011: (429, "wechat_rate_limited", "微信登录太频繁，请稍后再试"),
    40226: (403, "wechat_user_blocked", "该微信账号暂时无法使用本服务"),
    -1: (503, "wechat_busy", "微信服务繁忙，请稍后再试"),
}


class TokenCache(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ex: int) -> Any: ...


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None


class WeChatClient:
    """Call WeChat's HTTPS API; raise WeChatError with our status and a Chinese message."""

    def __init__(
        self,
        base_url: str,
        appid: str,
        secret: str,
        *,
        timeout: float = 5.0,
        token_cache: TokenCache | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.token_cache = token_cache
        self.http = session or requests.Session()

    def _check(self, payload: dict[str, Any]) -> dict[str, Any]:
        errcode = int(payload.get("errcode") or 0)
        if errcode == 0:
            return payload
        status, code, message = ERRCODES.get(
            errcode, (502, "wechat_error", "微信服务返回错误，请稍后再试")
        )
        raise WeChatError(
            message, code=code, status=status,
            errors={"errcode": errcode, "errmsg": str(payload.get("errmsg", ""))},
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if not self.appid or not self.secret:
            raise WeChatError("未配置微信小程序（WECHAT_APPID / WECHAT_SECRET）",
                              code="wechat_not_configured", status=503)
        try:
            response = self.http.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise WeChatError(status=503, code="wechat_unreachable") from exc
        if response.status_code >= 500:
            raise WeChatError(status=503, code="wechat_unreachable")
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._request(method, path, **kwargs)
        try:
            payload = response.json()
        except ValueError as exc:
            raise WeChatError(code="wechat_bad_response") from exc
        return self._check(payload)

    def code2session(self, code: str) -> WeChatSession:
        """Exchange a wx.login code for the user's openid (the session_key stays here)."""
        payload = self._json(
            "GET", "/sns/jscode2session",
            params={"appid": self.appid, "secret": self.secret, "js_code": code,
                    "grant_type": "authorization_code"},
        )
        openid = payload.get("openid")
        if not openid:
            raise WeChatError(code="wechat_bad_response")
        return WeChatSession(openid=str(openid), unionid=payload.get("unionid"))

    def access_token(self, *, force_refresh: bool = False) -> str:
        """Return the stable access token, cached until shortly before it expires."""
        key = f"sl:wechat:access_token:{self.appid}"
        if self.token_cache is not None and not force_refresh:
            cached = self.token_cache.get(key)
            if cached:
                return cached
        payload = self._json(
            "POST", "/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": self.appid,
                  "secret": self.secret, "force_refresh": force_refresh},
        )
        token = str(payload["access_token"])
        ttl = max(60, int(payload.get("expires_in", 7200)) - 300)
        if self.token_cache is not None:
            self.token_cache.set(key, token, ex=ttl)
        return token

    def post_api(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to an access-token API, refreshing the token once if WeChat says it expired."""
        for attempt in range(2):
            token = self.access_token(force_refresh=attempt > 0)
            response = self._request("POST", path, params={"access_token": token}, json=body)
            try:
                payload = response.json()
            except ValueError as exc:
                raise WeChatError(code="wechat_bad_response") from exc
            if int(payload.get("errcode") or 0) in (40001, 42001) and attempt == 0:
                continue
            return self._check(payload)
        raise WeChatError(code="wechat_token_failed")  # pragma: no cover - loop always returns

    def post_api_raw(self, path: str, body: dict[str, Any]) -> bytes:
        """POST to an access-token API that answers with bytes (e.g. an image) or JSON errors."""
        token = self.access_token()
        response = self._request("POST", path, params={"access_token": token}, json=body)
        if response.headers.get("Content-Type", "").startswith("application/json"):
            self._check(response.json())
        return response.content
