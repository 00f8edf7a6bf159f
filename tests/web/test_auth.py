"""Token checks in constant time, secrets that never reach logs or bodies, and the rate
limits on management routes and failed authentication, through the real app."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.core.errors import Unauthorized
from api.core.limits import Rate
from api.logs import JsonFormatter
from api.store.accounts import authenticate, create_token, revoke_token
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG

HEAD = f"/v1/manage/articles/{SLUG}"


def _token(db_path: Path, name: str = "root", role: str = "admin") -> str:
    db = open_database(db_path)
    _, secret = create_token(db, name=name, role=role, locales=[])
    db.conn.close()
    return secret


def _client(db_path: Path, **settings: Any) -> TestClient[Any]:
    # The access log is on, so the checks below also see every request's log line.
    return TestClient(create_app(db_path, Settings(db=str(db_path), access_log=True, **settings)))


@pytest.fixture()
def digests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every pair `hmac.compare_digest` is asked to compare (the real function still runs)."""
    seen: list[tuple[str, str]] = []
    real: Callable[[str, str], bool] = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return seen


@pytest.mark.parametrize(
    "case", ["right", "wrong-secret", "unknown-id", "revoked", "right-prefix-of-secret"]
)
def test_every_token_check_compares_hashes_in_constant_time(
    db_path: Path, digests: list[tuple[str, str]], case: str
) -> None:
    secret = _token(db_path)
    token_id, body = secret.split("_")[1], secret.split("_", 2)[2]
    db = open_database(db_path)
    presented = {
        "right": secret,
        "wrong-secret": f"vt_{token_id}_{'x' * len(body)}",
        "unknown-id": f"vt_999_{body}",
        "revoked": secret,
        "right-prefix-of-secret": f"vt_{token_id}_{body[:-1]}",
    }[case]
    if case == "revoked":
        revoke_token(db, "root")
    if case == "right":
        assert authenticate(db, f"Bearer {presented}").name == "root"
    else:
        with pytest.raises(Unauthorized):
            authenticate(db, f"Bearer {presented}")
    # Exactly one comparison, of two SHA-256 hex digests, whether or not the token exists.
    assert len(digests) == 1
    a, b = digests[0]
    assert len(a) == len(b) == 64 and all(c in "0123456789abcdef" for c in a + b)
    assert body not in a + b


def test_secrets_never_reach_logs_or_bodies(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = _token(db_path)
    body = secret.split("_", 2)[2]
    wrong = secret[:-4] + "AAAA"
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for debug in (False, True):
        with _client(db_path, debug=debug, rate_limit_auth_failures=None) as client:
            for token in (secret, wrong, f"vt_999_{body}", body):
                for path in (HEAD, "/v1/manage/drafts", "/v1/manage/audit", "/v1/manage/nope"):
                    for scheme in ("Bearer", "Basic"):
                        response = client.get(
                            path,
                            params={"token": token, "access_token": token},
                            headers={
                                "Authorization": f"{scheme} {token}",
                                "X-Api-Key": token,
                                "Cookie": f"token={token}",
                            },
                        )
                        seen.append(response.text + str(response.headers))
            seen.append(client.get("/v1/manage/audit", headers=_bearer(secret)).text)
    assert any('"status":401' in text for text in seen)  # the bad ones were refused
    assert any("token.create" in text for text in seen)  # the audit log was read
    # httpx is the test's client, not the server: it logs the URLs the test asked for.
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    logs = "\n".join(f"{r.getMessage()} {JsonFormatter().format(r)}" for r in records)
    assert "vetted.access" in logs
    for text in (*seen, logs):
        assert body not in text
        assert body[:20] not in text


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_failed_authentication_is_limited_per_address_with_retry_after(db_path: Path) -> None:
    secret = _token(db_path)
    rate = Rate(limit=3, seconds=60)
    with _client(db_path, rate_limit_auth_failures=rate) as client:
        assert client.get(HEAD, headers=_bearer(secret)).status_code == 200  # success: no count
        for _ in range(3):
            assert client.get(HEAD, headers=_bearer(secret + "x")).status_code == 401
        blocked = client.get(HEAD, headers=_bearer(secret))  # even a good token, for now
        assert blocked.status_code == 429
        assert blocked.headers["content-type"] == "application/problem+json"
        assert blocked.json()["type"] == "/problems/too-many-requests"
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        assert client.get(f"/v1/articles/{SLUG}").status_code == 200  # delivery is not limited


def test_failed_authentication_limit_can_be_turned_off(db_path: Path) -> None:
    with _client(db_path, rate_limit_auth_failures=None) as client:
        codes = {
            client.get(HEAD, headers=_bearer("vt_1_" + "x" * 40)).status_code for _ in range(30)
        }
    assert codes == {401}


def test_management_routes_are_rate_limited_with_retry_after(db_path: Path) -> None:
    secret = _token(db_path)
    with _client(db_path, rate_limit_manage=Rate(limit=5, seconds=60)) as client:
        answers = [client.get(HEAD, headers=_bearer(secret)) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        limited = answers[-1]
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.json()["type"] == "/problems/too-many-requests"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert answers[0].headers["ratelimit-limit"] == "5"
        for _ in range(10):  # delivery routes do not count
            assert client.get(f"/v1/articles/{SLUG}").status_code == 200
        assert "ratelimit-limit" not in client.get(f"/v1/articles/{SLUG}").headers


def test_the_contract_documents_429_on_every_management_operation(
    client: TestClient[Any],
) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    operations = [
        (path, op)
        for path, item in paths.items()
        if path.startswith("/v1/manage")
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
    ]
    assert len(operations) >= 10
    for path, op in operations:
        answer = op["responses"]["429"]
        assert "Retry-After" in answer["headers"], path
        assert "application/problem+json" in answer["content"], path
    assert "429" not in paths["/v1/articles/{slug}"]["get"]["responses"]
