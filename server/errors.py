"""Domain exceptions and the one JSON error shape every response uses."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule refused the request; carries a stable code and a Chinese message."""

    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors = errors or {}


class ValidationFailed(DomainError):
    status, code, message = 422, "validation_failed", "提交的数据有误"


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "没有权限进行此操作"


class NotFound(DomainError):
    status, code, message = 404, "not_found", "找不到该内容"


class Conflict(DomainError):
    status, code, message = 409, "conflict", "当前状态不允许此操作"


class RateLimited(DomainError):
    status, code, message = 429, "rate_limited", "操作太频繁，请稍后再试"


HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限进行此操作"),
    404: ("not_found", "找不到该内容"),
    405: ("method_not_allowed", "不支持此请求方式"),
    409: ("conflict", "当前状态不允许此操作"),
    413: ("payload_too_large", "上传的内容太大"),
    414: ("uri_too_long", "请求地址太长"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_failed", "提交的数据有误"),
    429: ("rate_limited", "操作太频繁，请稍后再试"),
    500: ("internal_error", "系统出了点问题，请稍后再试"),
    503: ("unavailable", "服务暂时不可用，请稍后再试"),
}

# marshmallow and webargs speak English; people read Chinese.
FIELD_MESSAGES = {
    "Unknown field.": "不允许的字段",
    "Missing data for required field.": "必填项",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文字",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为是或否",
    "Not a valid datetime.": "时间格式不正确",
    "Not a valid date.": "日期格式不正确",
    "Not a valid email address.": "邮箱格式不正确",
    "Not a valid URL.": "网址格式不正确",
    "Not a valid list.": "应为列表",
    "Not a valid mapping type.": "应为对象",
    "Invalid input type.": "数据类型不正确",
    "Invalid value.": "取值不正确",
    "Must be one of:": "只能是以下之一：",
    "Shorter than minimum length": "太短，至少",
    "Longer than maximum length": "太长，最多",
    "Length must be between": "长度应在",
    "Must be greater than or equal to": "应不小于",
    "Must be less than or equal to": "应不大于",
}


def translate_field_errors(errors: Any) -> Any:
    """Translate marshmallow's default English messages, keeping the structure."""
    if isinstance(errors, dict):
        return {key: translate_field_errors(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate_field_errors(value) for value in errors]
    if isinstance(errors, str):
        for english, chinese in FIELD_MESSAGES.items():
            if errors.startswith(english):
                return chinese + errors[len(english):]
        return errors
    return errors


def error_response(
    status: int, code: str, message: str, errors: dict[str, Any] | None = None
) -> Response:
    """Build the one error shape."""
    body = {"code": code, "status": status, "message": message, "errors": errors or {}}
    response = jsonify(body)
    response.status_code = status
    return response


# A 429 whose cause does not say when to come back (WeChat's frequency limit) says a minute.
DEFAULT_RETRY_AFTER = 60


def _handle_domain(exc: DomainError) -> Response:
    errors = exc.errors
    if exc.status == 429 and not isinstance(errors.get("retry_after"), int):
        errors = {**errors, "retry_after": DEFAULT_RETRY_AFTER}
    response = error_response(exc.status, exc.code, exc.message, errors)
    retry_after = errors.get("retry_after")
    if isinstance(retry_after, int) and not isinstance(retry_after, bool):
        # Every "come back later" (429, 503 vote_pending) says when, in seconds, twice:
        # errors.retry_after for our pages and the Retry-After header for everyone else.
        response.headers["Retry-After"] = str(retry_after)
    return response


def _limit_retry_after() -> int:
    """Seconds until the rate limit the current request broke lets it through again."""
    import math
    import time

    from server.extensions import limiter

    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, math.ceil(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - the limiter's storage away: a safe guess
        pass
    return DEFAULT_RETRY_AFTER


def _handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    code, message = HTTP_MESSAGES.get(status, ("error", "请求未能完成"))
    errors: dict[str, Any] = {}
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        # webargs puts field errors under their location (json, query, ...).
        messages = data["messages"]
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))
        errors = translate_field_errors(messages)
        if not isinstance(errors, dict):  # the documented shape: field -> messages
            errors = {"_schema": errors}
    if status == 429:
        errors = {"retry_after": _limit_retry_after()}
    response = error_response(status, code, message, errors)
    for header, value in (exc.get_headers() if status == 405 else []):
        if header.lower() == "allow":
            response.headers[header] = value
    if status == 429:
        response.headers["Retry-After"] = str(errors["retry_after"])
    return response


def _handle_data_error(exc: Exception) -> Response:
    # The database refused a value the checks let through (say, a number out of range):
    # the request's transaction is rolled back, and the caller hears it was their input.
    from flask import current_app

    from server.extensions import db

    db.session.rollback()
    current_app.logger.warning("database refused a value: %s", exc)
    return error_response(422, "validation_failed", "提交的数据超出允许的范围")


def _handle_unexpected(exc: Exception) -> Response:
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", HTTP_MESSAGES[500][1])


def register_error_handlers(app: Flask) -> None:
    """Route every error through the one shape (after flask-smorest registered its own)."""
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(HTTPException, _handle_http)
    from sqlalchemy.exc import DataError

    app.register_error_handler(DataError, _handle_data_error)
    app.register_error_handler(Exception, _handle_unexpected)
