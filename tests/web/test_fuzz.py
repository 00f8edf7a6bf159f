"""Contract fuzzing: every operation of `openapi.yaml` against the real app.

The schema is the file partners get, not the one the app serves (a test keeps the two
equal). Schemathesis sends valid and invalid data for every operation; a response fails
the test if it is a 5xx, has an undocumented status code, content type or header, does not
match its documented schema, or is an error that is not problem+json. No check is
excluded for any operation.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.sources import ContentSet
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import ROOT

# Out of the fast loop (`make test-fast`): Schemathesis over every operation.
pytestmark = pytest.mark.slow

CONTRACT = ROOT / "openapi.yaml"
_CALLS = itertools.count()
# `make fuzz` raises this for a longer run; the suite keeps it small to stay fast.
EXAMPLES = int(os.environ.get("VETTED_FUZZ_EXAMPLES", "10"))


@schemathesis.check
def problem_details(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every error is application/problem+json with type, title and the response's status."""
    if response.status_code < 400:
        return
    media = (response.headers.get("content-type") or [""])[0]
    assert media.startswith("application/problem+json"), f"{response.status_code} is {media!r}"
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("type"), str) and body["type"], body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("status") == response.status_code, body


schema = schemathesis.openapi.from_path(CONTRACT)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, content: ContentSet
) -> Iterator[tuple[Litestar, str]]:
    """One app over a database of the real content, and an admin token for it."""
    path = tmp_path_factory.mktemp("fuzz") / "vetted.db"
    db = open_database(path)
    import_content(db, content)
    _, secret = create_token(db, name="fuzz-admin", role="admin", locales=[])
    db.conn.close()
    yield create_app(path), secret
    shutdown_lifespans()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    # The same cases on every run, so a CI failure reproduces locally.
    derandomize=True,
    # Whole-article draft bodies take long to generate and to validate; timing is not
    # what this test is about.
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_keeps_the_contract(case: Any, served: tuple[Litestar, str]) -> None:
    app, admin = served
    # One call in four keeps whatever credentials were generated (mostly none or garbage),
    # so 401s are fuzzed too; the rest act as an admin to reach the handlers.
    anonymous = next(_CALLS) % 4 == 0
    headers = None if anonymous else {"Authorization": f"Bearer {admin}"}
    case.call_and_validate(
        app=app,
        headers=headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            problem_details,
        ],
    )
