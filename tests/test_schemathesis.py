"""schemathesis over every operation of the committed openapi.json, as staff and as a resident.

No 5xx, responses match the document, and every error uses the one shape. The number of
examples per operation and identity is bounded (SL_SCHEMATHESIS_EXAMPLES, default 4) so the
run stays around two minutes on this machine.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from server.people.services import issue_api_token
from tests.factories import ROOT_OPENAPI, make_district, make_resident, make_user

EXAMPLES = int(os.environ.get("SL_SCHEMATHESIS_EXAMPLES", "4"))
ERROR_KEYS = {"code", "status", "message", "errors"}
# Streams never end by themselves; a generated request would hold the test forever.
SKIP = {("GET", "/api/v1/m/{code}/events"), ("GET", "/api/v1/evaluation/wall/events")}


def _identities() -> dict[str, dict[str, str]]:
    d = make_district()
    admin = make_user("admin")
    dispatcher = make_user("dispatcher", unit_id=d.town.id)
    _resident, resident_token = make_resident()
    return {
        "admin": {"Authorization": f"Bearer {issue_api_token(admin)[0]}"},
        "dispatcher": {"Authorization": f"Bearer {issue_api_token(dispatcher)[0]}"},
        "resident": {"Authorization": f"Bearer {resident_token}"},
    }


def _error_shape_problem(response: Any) -> str | None:
    if response.status_code < 400:
        return None
    headers = {k.lower(): v for k, v in response.headers.items()}
    content_type = headers.get("content-type", "")
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if not str(content_type).startswith("application/json"):
        return f"error {response.status_code} is not JSON"
    body = response.json()
    if isinstance(body, list):  # Open311 answers its errors in the GeoReport list shape
        return None
    if not isinstance(body, dict) or set(body) != ERROR_KEYS or not isinstance(
            body.get("errors"), dict):
        return f"error {response.status_code} not in the one shape: {str(body)[:200]}"
    return None


@pytest.mark.timeout(600)
# schemathesis' WSGI transport reads photo downloads without closing the file.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning",
                            "ignore::ResourceWarning")
def test_every_operation_as_staff_and_resident(app: Any, db: Any) -> None:
    schema = schemathesis.openapi.from_path(ROOT_OPENAPI)
    identities = _identities()
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        operations += 1
        strategy = operation.as_strategy()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, who=st.sampled_from(sorted(identities)))
        def run(case: Any, who: str) -> None:
            headers = dict(identities[who])
            if case.headers and "Authorization" in case.headers:
                del case.headers["Authorization"]
            response = case.call(app=app, headers=headers)
            label = f"{who} {case.method} {case.formatted_path}"
            try:
                case.validate_response(response, checks=[not_a_server_error,
                                                         response_schema_conformance,
                                                         content_type_conformance],
                                       headers=headers)
            except Exception as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{label}: {str(exc)[:600]}")
                return
            problem = _error_shape_problem(response)
            if problem:
                failures.append(f"{label}: {problem}")

        run()
    assert operations > 100, operations
    if failures:
        from tests.conftest import ARTIFACTS

        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "schemathesis-failures.txt").write_text("\n".join(failures))
    assert failures == [], "\n".join(failures[:40])
