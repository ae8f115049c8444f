"""Property-based API testing with schemathesis: every operation of the OpenAPI schema, with generated
parameters and an admin token, never answers 5xx and always answers what the schema says.

Runs on SQLite only: the API code is the same on both databases and the PostgreSQL behaviour of the
record queries is covered by tests/web/test_records.py; this keeps the run under a minute. Bounded:
at most 25 examples per operation, no deadline (the first request of an app builds the schema).
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from records_data import seed
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import Engine

from tenbin.auth import service as auth

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def admin_headers(engine: Engine) -> dict[str, str]:
    user = auth.add_user(
        engine, username="fuzz-admin", role="admin", password="correct horse battery staple", actor="t"
    )
    return {"Authorization": "Bearer " + auth.create_token(engine, user_id=user.user.id, name="fuzz").secret}


def test_api_conforms_to_its_schema(app: FastAPI, engine: Engine, admin_headers: dict[str, str]) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("schemathesis runs on SQLite only, for speed (PostgreSQL: tests/web/test_records.py)")
    seed(engine)  # real records, so detail operations also find something
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=admin_headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # every operation runs; the failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 16  # the records API at least
    assert not failures, "\n\n".join(failures)
