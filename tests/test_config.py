"""Server settings: flags over environment over defaults, validated once, bad values
refused with the name of the flag or variable (and exit code 2 from `vetted serve`)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.config import (
    SETTINGS,
    SETTINGS_ENV,
    Settings,
    decode_settings,
    encode_settings,
    load_settings,
)
from api.core.errors import InvalidSetting
from api.core.limits import Rate
from api.web.app import create_app_from_env
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"VETTED_PORT": "8080"}, "port", 8080),
        ({"VETTED_PORT": "65535"}, "port", 65535),
        ({"VETTED_HOST": "0.0.0.0"}, "host", "0.0.0.0"),
        ({"VETTED_HOST": "::1"}, "host", "::1"),
        ({"VETTED_HOST": "localhost"}, "host", "localhost"),
        ({"VETTED_WORKERS": "4"}, "workers", 4),
        ({"VETTED_DB": "data.db"}, "db", "data.db"),
        (
            {"VETTED_CORS_ORIGINS": "https://partner.example, http://localhost:3000/"},
            "cors_origins",
            ("https://partner.example", "http://localhost:3000"),
        ),
        ({"VETTED_CORS_ORIGINS": ""}, "cors_origins", ()),
        ({"VETTED_RATE_LIMIT_MANAGE": "5/second"}, "rate_limit_manage", Rate(limit=5, seconds=1)),
        ({"VETTED_RATE_LIMIT_MANAGE": "off"}, "rate_limit_manage", None),
        (
            {"VETTED_RATE_LIMIT_AUTH_FAILURES": "3 / hour"},
            "rate_limit_auth_failures",
            Rate(limit=3, seconds=3600),
        ),
        ({"VETTED_LOG_LEVEL": "WARNING"}, "log_level", "warning"),
        ({"VETTED_ACCESS_LOG": "off"}, "access_log", False),
        ({"VETTED_ACCESS_LOG": "1"}, "access_log", True),
        ({"VETTED_HSTS_MAX_AGE": "31536000"}, "hsts_max_age", 31536000),
        ({"VETTED_SHUTDOWN_TIMEOUT": "5"}, "shutdown_timeout", 5),
        ({"VETTED_DEBUG": "yes"}, "debug", True),
        (
            {"VETTED_PUBLIC_ORIGIN": "https://CMS.example:443/"},
            "public_origin",
            "https://cms.example",
        ),
        ({"VETTED_PUBLIC_ORIGIN": "http://[::1]:8080"}, "public_origin", "http://[::1]:8080"),
        ({"VETTED_PUBLIC_ORIGIN": ""}, "public_origin", None),
        (
            {"VETTED_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1, 10.1.2.3/8"},
            "trusted_proxies",
            ("127.0.0.1/32", "10.0.0.0/8", "::1/128"),
        ),
    ],
)
def test_environment_values_are_parsed(
    env: dict[str, str],
    field: str,
    expected: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert getattr(load_settings({}, env), field) == expected


@pytest.mark.parametrize(
    ("env", "source", "message"),
    [
        ({"VETTED_PORT": "abc"}, "VETTED_PORT", "'abc' is not a port number"),
        ({"VETTED_PORT": "0"}, "VETTED_PORT", "is not a port number"),
        ({"VETTED_PORT": "70000"}, "VETTED_PORT", "is not a port number"),
        ({"VETTED_WORKERS": "0"}, "VETTED_WORKERS", "must be between 1 and 256"),
        ({"VETTED_WORKERS": "-2"}, "VETTED_WORKERS", "must be between 1 and 256"),
        ({"VETTED_WORKERS": "two"}, "VETTED_WORKERS", "is not a whole number"),
        ({"VETTED_HOST": "bad host!"}, "VETTED_HOST", "is not an IP address or host name"),
        ({"VETTED_CORS_ORIGINS": "partner.example"}, "VETTED_CORS_ORIGINS", "is not an origin"),
        (
            {"VETTED_CORS_ORIGINS": "https://a.example/path"},
            "VETTED_CORS_ORIGINS",
            "is not an origin",
        ),
        ({"VETTED_CORS_ORIGINS": "https://*.example"}, "VETTED_CORS_ORIGINS", "is not an origin"),
        ({"VETTED_CORS_ORIGINS": "ftp://a.example"}, "VETTED_CORS_ORIGINS", "is not an origin"),
        ({"VETTED_DB": "missing/folder/v.db"}, "VETTED_DB", "the folder of"),
        ({"VETTED_DB": "."}, "VETTED_DB", "is a folder"),
        ({"VETTED_RATE_LIMIT_MANAGE": "fast"}, "VETTED_RATE_LIMIT_MANAGE", "is not a rate"),
        ({"VETTED_RATE_LIMIT_MANAGE": "10/week"}, "VETTED_RATE_LIMIT_MANAGE", "is not a rate"),
        ({"VETTED_LOG_LEVEL": "loud"}, "VETTED_LOG_LEVEL", "is not one of"),
        ({"VETTED_ACCESS_LOG": "maybe"}, "VETTED_ACCESS_LOG", "is not one of"),
        ({"VETTED_HSTS_MAX_AGE": "-1"}, "VETTED_HSTS_MAX_AGE", "is not a number of seconds"),
        ({"VETTED_SHUTDOWN_TIMEOUT": "0"}, "VETTED_SHUTDOWN_TIMEOUT", "at least 1 second"),
        ({"VETTED_PUBLIC_ORIGIN": "cms.example"}, "VETTED_PUBLIC_ORIGIN", "is not an origin"),
        (
            {"VETTED_PUBLIC_ORIGIN": "https://a.example,https://b.example"},
            "VETTED_PUBLIC_ORIGIN",
            "is not one origin",
        ),
        ({"VETTED_TRUSTED_PROXIES": "nginx"}, "VETTED_TRUSTED_PROXIES", "is not an IP address"),
        ({"VETTED_TRUSTED_PROXIES": "10.0.0.0/33"}, "VETTED_TRUSTED_PROXIES", "is not an IP"),
    ],
)
def test_bad_values_name_their_source(
    env: dict[str, str], source: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidSetting) as caught:
        load_settings({}, env)
    assert caught.value.source == source
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_flags_win_over_environment_and_name_themselves_in_errors() -> None:
    env = {"VETTED_PORT": "9000", "VETTED_WORKERS": "3"}
    settings = load_settings({"port": "9100", "workers": None}, env)
    assert (settings.port, settings.workers) == (9100, 3)
    with pytest.raises(InvalidSetting, match=r"^--port: 'x' is not a port number"):
        load_settings({"port": "x"}, env)


def test_defaults_and_the_round_trip_to_workers() -> None:
    settings = load_settings({}, {})
    assert settings.workers == (os.cpu_count() or 1)
    assert msgspec_fields(settings) == msgspec_fields(Settings(workers=settings.workers))
    assert decode_settings(encode_settings(settings)) == settings
    assert {s.field for s in SETTINGS} == set(Settings.__struct_fields__)


def msgspec_fields(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in Settings.__struct_fields__}


def test_every_setting_is_in_the_configuration_table() -> None:
    page = (ROOT / "docs" / "operators" / "configuration.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.flag}` | `{setting.env}` |" in page, setting.field


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            [],
            {"VETTED_PORT": "abc"},
            "vetted: error: VETTED_PORT: 'abc' is not a port number (1-65535)",
        ),
        (["--workers", "0"], {}, "vetted: error: --workers: '0' must be between 1 and 256"),
        (
            ["--db", "nowhere/v.db"],
            {},
            "vetted: error: --db: the folder of 'nowhere/v.db' does not exist",
        ),
    ],
)
def test_serve_refuses_bad_configuration_with_exit_code_2(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]
    assert not list(tmp_path.iterdir())  # refused before anything was created


@pytest.fixture()
def root_logging() -> Iterator[None]:
    """create_app_from_env takes over the root logger, as a server process should; put
    pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
@pytest.mark.parametrize("via", ["validated", "environment"])
def test_worker_factory_uses_the_settings_it_is_handed(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    if via == "validated":
        settings = Settings(db=str(db_path), hsts_max_age=5, cors_origins=("https://p.example",))
        monkeypatch.setenv(SETTINGS_ENV, encode_settings(settings))
    else:
        monkeypatch.delenv(SETTINGS_ENV, raising=False)
        monkeypatch.setenv("VETTED_DB", str(db_path))
        monkeypatch.setenv("VETTED_HSTS_MAX_AGE", "5")
        monkeypatch.setenv("VETTED_CORS_ORIGINS", "https://p.example")
    with TestClient(create_app_from_env()) as client:
        assert client.get("/readyz").status_code == 200  # the right database
        response = client.get("/v1/manage/drafts", headers={"Origin": "https://p.example"})
        assert response.headers["strict-transport-security"].startswith("max-age=5;")
        assert response.headers["access-control-allow-origin"] == "https://p.example"
