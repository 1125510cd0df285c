"""Refuse hostile input for every endpoint at once, before any view, service or audit row.

One request guard (path, query, JSON and form bodies), one check of the declared integer
fields on whatever webargs loads, and a bounded `int` path converter: current and future
endpoints are covered without their authors doing anything.

What is refused, and why:
- bytes that are not UTF-8 in the path or query, and lone surrogates (`"\\ud800"`) anywhere in
  a JSON body: they cannot be stored, encoded or exported (400 `invalid_unicode`);
- control characters other than tab, line feed and carriage return: spreadsheets (XLSX/XML
  1.0) cannot hold them and they only ever hide text (422, per field);
- JSON nested deeper than JSON_MAX_DEPTH, NaN/Infinity, numbers Python cannot hold (400);
- integers outside a database integer and floats where an integer is declared (422), and
  `page`/`per_page` outside their bounds (422).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from marshmallow import Schema, ValidationError, fields, missing
from werkzeug.routing import IntegerConverter

from server.common.text import clean_text
from server.errors import DomainError, ValidationFailed

JSON_MAX_DEPTH = 32
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # a PostgreSQL `integer`: every id column
URI_MAX_CHARS = 4096
PER_PAGE_MAX = 500
PAGE_MAX = 100_000
# C0 controls and DEL, except tab, line feed and carriage return (text areas send them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "含有不允许的控制字符"
INT_MESSAGE = "应为整数"
RANGE_MESSAGE = "超出允许的范围"


class InvalidUnicode(DomainError):
    status, code, message = 400, "invalid_unicode", "请求中含有无效的字符编码"


class BadJson(DomainError):
    status, code, message = 400, "bad_request", "请求体不是有效的 JSON"


class UriTooLong(DomainError):
    status, code, message = 414, "uri_too_long", "请求地址太长"


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` path parts: ids beyond a database integer are simply not found (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=INT_MAX if max is None else max, signed=signed)


def install_input_guard(app: Flask) -> None:
    """Bound the `int` converter, guard every request and check declared integer fields."""
    app.url_map.converters["int"] = BoundedIntConverter
    # After audit's hook (timing) and before identity, CSRF, limits and every view.
    app.before_request_funcs.setdefault(None, []).insert(1, guard_request)
    from flask_smorest.arguments import ArgumentsMixin

    # webargs calls `pre_load` on its (shared) parser before each schema load.
    ArgumentsMixin.ARGUMENTS_PARSER.pre_load = check_declared_fields  # type: ignore[method-assign]


def register_converter_docs(api: Any) -> None:
    """Document the bounded converter like werkzeug's (integer, with its maximum)."""
    from flask_smorest.spec.plugins import integerconverter2paramschema

    api.register_converter(BoundedIntConverter, integerconverter2paramschema)


# ---- the request guard ------------------------------------------------------------------


def guard_request() -> None:
    """Refuse a request whose address, query or body holds hostile input."""
    environ = request.environ
    raw_path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    if len(raw_path) + len(query) > URI_MAX_CHARS:
        raise UriTooLong()
    _check_raw(raw_path.encode("latin-1", "replace"), "path")
    _check_raw(unquote_to_bytes(query.replace("+", " ")), "query")
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.content_length:
        return
    if request.is_json:
        data = request.get_data(cache=True)
        if data:
            parsed = parse_json(data)
            # Flask's get_json() takes this result instead of parsing again.
            request._cached_json = (parsed, parsed)  # type: ignore[attr-defined]
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        problems = {key: [CONTROL_MESSAGE] for key, value in request.form.items(multi=True)
                    if CONTROL.search(value) or CONTROL.search(key)}
        problems = {clean_text(key): value for key, value in problems.items()}
        if problems:
            raise ValidationFailed(errors=problems)


def _check_raw(raw: bytes, where: str) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidUnicode(errors={where: ["不是有效的 UTF-8 编码"]}) from exc
    if CONTROL.search(text) or "\n" in text or "\r" in text:
        raise InvalidUnicode(errors={where: [CONTROL_MESSAGE]})


def parse_json(data: bytes) -> Any:
    """Parse a JSON body, refusing what no endpoint can take (see the module docstring)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidUnicode(errors={"json": ["不是有效的 UTF-8 编码"]}) from exc
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise BadJson(errors={"json": [f"嵌套太深（最多 {JSON_MAX_DEPTH} 层）"]}) from exc
    except ValueError as exc:  # JSONDecodeError, NaN, huge numbers
        raise BadJson(errors={"json": ["格式不正确"]}) from exc
    problems: dict[str, list[str]] = {}
    for path, depth, value in walk(parsed):
        if depth > JSON_MAX_DEPTH:
            raise BadJson(errors={"json": [f"嵌套太深（最多 {JSON_MAX_DEPTH} 层）"]})
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidUnicode(errors={clean_text(path) or "json":
                                             ["含有无效的 Unicode 字符"]}) from exc
            if CONTROL.search(value):
                problems.setdefault(clean_text(path) or "json", [CONTROL_MESSAGE])
    if problems:
        raise ValidationFailed(errors=problems)
    return parsed


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def walk(value: Any) -> Iterator[tuple[str, int, Any]]:
    """Yield (dotted path, depth, value) for every value and key, without recursion."""
    stack: list[tuple[str, int, Any]] = [("", 1, value)]
    while stack:
        path, depth, item = stack.pop()
        yield path, depth, item
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                yield child_path, depth, key
                stack.append((child_path, depth + 1, child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), depth + 1, child)
                         for i, child in enumerate(item))


# ---- declared integer fields ------------------------------------------------------------


def check_declared_fields(location_data: Any, *, schema: Schema, req: Any,
                          location: str) -> Any:
    """Refuse floats and out-of-range values for the schema's integer fields (webargs hook)."""
    problems: dict[str, Any] = {}
    _check_schema(schema, location_data, location == "json", problems)
    if problems:
        raise ValidationError(problems)
    return location_data


def _check_schema(schema: Schema, data: Any, typed: bool, problems: dict[str, Any]) -> None:
    if schema.many and isinstance(data, list):
        for i, item in enumerate(data):
            sub: dict[str, Any] = {}
            _check_schema_one(schema, item, typed, sub)
            if sub:
                problems[str(i)] = sub
        return
    _check_schema_one(schema, data, typed, problems)


def _check_schema_one(schema: Schema, data: Any, typed: bool,
                      problems: dict[str, Any]) -> None:
    if not hasattr(data, "get"):
        return
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        value = data.get(key)
        if value is None or value is missing:
            continue
        message = _check_field(name, field, value, typed)
        if message:
            problems[key] = message


def _check_field(name: str, field: fields.Field, value: Any, typed: bool) -> Any:
    if isinstance(field, fields.Integer):
        return _check_int(name, value, typed)
    if isinstance(field, fields.List) and isinstance(value, list):
        inner = field.inner
        found = {str(i): msg for i, item in enumerate(value)
                 if (msg := _check_field("", inner, item, typed))}
        return found or None
    if isinstance(field, fields.Nested):
        nested = field.schema
        sub: dict[str, Any] = {}
        if field.many and isinstance(value, list):
            for i, item in enumerate(value):
                one: dict[str, Any] = {}
                _check_schema_one(nested, item, typed, one)
                if one:
                    sub[str(i)] = one
        else:
            _check_schema_one(nested, value, typed, sub)
        return sub or None
    return None


def _check_int(name: str, value: Any, typed: bool) -> list[str] | None:
    if isinstance(value, list):  # a repeated query parameter
        for item in value:
            found = _check_int(name, item, typed)
            if found:
                return found
        return None
    if typed and not isinstance(value, str):  # marshmallow also takes "12" in JSON
        if isinstance(value, bool) or not isinstance(value, int):
            return [INT_MESSAGE]
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            return [INT_MESSAGE]
        number = int(text)
    low, high = INT_MIN, INT_MAX
    if name == "per_page":
        low, high = 1, PER_PAGE_MAX
    elif name == "page":
        low, high = 1, PAGE_MAX
    if not low <= number <= high:
        return [f"{RANGE_MESSAGE}（{low}～{high}）"]
    return None
