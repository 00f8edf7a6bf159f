"""Server settings: read once from flags and environment variables, validated into one
frozen Struct that every worker process receives as is.

Flags win over environment variables, which win over defaults. A bad value raises
`InvalidSetting` naming the flag or variable, so `vetted serve` can stop before it binds.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from api.core.errors import InvalidSetting
from api.core.limits import Rate

__all__ = [
    "SETTINGS",
    "SETTINGS_ENV",
    "LogLevel",
    "Setting",
    "Settings",
    "decode_settings",
    "encode_settings",
    "load_settings",
    "parse_bool",
]

# The validated settings travel to granian's worker processes in this variable.
SETTINGS_ENV = "VETTED_SETTINGS"
LogLevel = Literal["debug", "info", "warning", "error"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything `vetted serve` and the app it starts can be told."""

    db: str = "vetted.db"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    cors_origins: tuple[str, ...] = ()
    rate_limit_manage: Rate | None = Rate(limit=120, seconds=60)
    rate_limit_auth_failures: Rate | None = Rate(limit=10, seconds=60)
    log_level: LogLevel = "info"
    access_log: bool = False
    hsts_max_age: int = 0
    public_origin: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    shutdown_timeout: int = 30
    body_timeout: int = 30
    busy_timeout: int = 30
    session_idle_timeout: int = 1800
    session_max_age: int = 43200
    response_cache_mb: int = 64
    webhook_allowed_networks: tuple[str, ...] = ()
    webhook_timeout: int = 15
    export_dir: str | None = None
    export_bucket: str | None = None
    export_grace: int = 3600
    debug: bool = False


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: where a value comes from and how it is read."""

    field: str
    flag: str
    env: str
    default: str
    meaning: str
    parse: Callable[[str], object]


def _port(text: str) -> int:
    if not re.fullmatch(r"\d{1,5}", text.strip()) or not 1 <= int(text) <= 65535:
        raise ValueError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _workers(text: str) -> int:
    if not re.fullmatch(r"-?\d+", text.strip()):
        raise ValueError(f"{text!r} is not a whole number")
    if not 1 <= int(text) <= 256:
        raise ValueError(f"{text!r} must be between 1 and 256")
    return int(text)


def _host(text: str) -> str:
    host = text.strip()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?", host):
            raise ValueError(f"{text!r} is not an IP address or host name") from None
    return host


def _db(text: str) -> str:
    path = Path(text).expanduser()
    if not text.strip():
        raise ValueError("an empty path")
    if path.is_dir():
        raise ValueError(f"{text!r} is a folder, not a database file")
    if not path.resolve().parent.is_dir():
        raise ValueError(f"the folder of {text!r} does not exist")
    return str(path)


def _origins(text: str) -> tuple[str, ...]:
    origins = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        parts = urlsplit(item)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
            or "*" in item
        ):
            raise ValueError(f"{item!r} is not an origin such as https://partner.example")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{item!r} has an invalid port") from None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        origins.append(f"{parts.scheme}://{host}" + (f":{port}" if port else ""))
    return tuple(dict.fromkeys(origins))


def _public_origin(text: str) -> str | None:
    if not text.strip():
        return None
    origins = _origins(text)
    if len(origins) != 1:
        raise ValueError(f"{text!r} is not one origin such as https://cms.example")
    # As a browser writes it in `Origin`: without the scheme's default port.
    default = {"http": ":80", "https": ":443"}[urlsplit(origins[0]).scheme]
    return origins[0].removesuffix(default)


def _networks(text: str) -> tuple[str, ...]:
    networks = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(
                f"{item!r} is not an IP address or network such as 10.0.0.0/8"
            ) from None
    return tuple(dict.fromkeys(networks))


_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _rate(text: str) -> Rate | None:
    value = text.strip().lower()
    if value in ("off", "0"):
        return None
    match = re.fullmatch(r"(\d{1,6})\s*/\s*(second|minute|hour|day)", value)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not a rate such as 120/minute (or off)")
    return Rate(limit=int(match.group(1)), seconds=_UNITS[match.group(2)])


def _level(text: str) -> str:
    value = text.strip().lower()
    if value not in ("debug", "info", "warning", "error"):
        raise ValueError(f"{text!r} is not one of debug, info, warning, error")
    return value


def parse_bool(text: str) -> bool:
    """Read an on/off value (true, false, 1, 0, yes, no, on, off)."""
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not one of true, false, 1, 0, yes, no, on, off")


def _max_age(text: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text.strip()):
        raise ValueError(f"{text!r} is not a number of seconds")
    return int(text)


def _seconds(text: str) -> int:
    if _max_age(text) < 1:
        raise ValueError(f"{text!r} must be at least 1 second")
    return int(text)


def _megabytes(text: str) -> int:
    if not re.fullmatch(r"\d{1,5}", text.strip()):
        raise ValueError(f"{text!r} is not a whole number of megabytes (0-99999)")
    return int(text)


def _export_dir(text: str) -> str | None:
    if not text.strip():
        return None
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{text!r} is a file, not a folder")
    if not path.resolve().parent.is_dir():
        raise ValueError(f"the folder above {text!r} does not exist")
    return str(path.resolve())


def _bucket(text: str) -> str | None:
    if not text.strip():
        return None
    parts = urlsplit(text.strip())
    if parts.scheme != "s3" or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", parts.netloc):
        raise ValueError(f"{text!r} is not a bucket URL such as s3://bucket/prefix")
    return text.strip()


def _bounded(text: str, most: int) -> int:
    if _seconds(text) > most:
        raise ValueError(f"{text!r} must be at most {most} seconds")
    return int(text)


def _timeout(text: str) -> int:
    return _bounded(text, 3600)


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "--db", "VETTED_DB", "vetted.db", "SQLite database file", _db),
    Setting("host", "--host", "VETTED_HOST", "127.0.0.1", "address to listen on", _host),
    Setting("port", "--port", "VETTED_PORT", "8000", "TCP port", _port),
    Setting(
        "workers", "--workers", "VETTED_WORKERS", "number of cores", "worker processes", _workers
    ),
    Setting(
        "cors_origins",
        "--cors-origins",
        "VETTED_CORS_ORIGINS",
        "(none)",
        "comma-separated partner origins allowed to call management routes from a browser",
        _origins,
    ),
    Setting(
        "rate_limit_manage",
        "--rate-limit-manage",
        "VETTED_RATE_LIMIT_MANAGE",
        "120/minute",
        "requests to /v1/manage/… per client address and worker, or off",
        _rate,
    ),
    Setting(
        "rate_limit_auth_failures",
        "--rate-limit-auth-failures",
        "VETTED_RATE_LIMIT_AUTH_FAILURES",
        "10/minute",
        "failed authentications per client address and worker before 429, or off",
        _rate,
    ),
    Setting(
        "log_level",
        "--log-level",
        "VETTED_LOG_LEVEL",
        "info",
        "debug, info, warning or error",
        _level,
    ),
    Setting(
        "access_log",
        "--access-log",
        "VETTED_ACCESS_LOG",
        "off",
        "one JSON line per request on stderr (on/off)",
        parse_bool,
    ),
    Setting(
        "hsts_max_age",
        "--hsts-max-age",
        "VETTED_HSTS_MAX_AGE",
        "0 (no header)",
        "send Strict-Transport-Security with this max-age (only behind HTTPS)",
        _max_age,
    ),
    Setting(
        "public_origin",
        "--public-origin",
        "VETTED_PUBLIC_ORIGIN",
        "(none)",
        "the origin browsers reach the workspace at behind a proxy or TLS terminator "
        "(https://cms.example): forms must come from it, and its https makes cookies Secure",
        _public_origin,
    ),
    Setting(
        "trusted_proxies",
        "--trusted-proxies",
        "VETTED_TRUSTED_PROXIES",
        "(none)",
        "comma-separated addresses or networks of proxies whose X-Forwarded-Proto and "
        "X-Forwarded-Host are believed",
        _networks,
    ),
    Setting(
        "shutdown_timeout",
        "--shutdown-timeout",
        "VETTED_SHUTDOWN_TIMEOUT",
        "30",
        "seconds in-flight requests get to finish after SIGTERM before workers are killed",
        _seconds,
    ),
    Setting(
        "body_timeout",
        "--body-timeout",
        "VETTED_BODY_TIMEOUT",
        "30",
        "seconds a client has to send a request body (else 408), 1-3600",
        _timeout,
    ),
    Setting(
        "busy_timeout",
        "--busy-timeout",
        "VETTED_BUSY_TIMEOUT",
        "30",
        "seconds a write waits for another write's lock before 503, 1-3600",
        _timeout,
    ),
    Setting(
        "session_idle_timeout",
        "--session-idle-timeout",
        "VETTED_SESSION_IDLE_TIMEOUT",
        "1800",
        "seconds a workspace session lasts without a request, 1-86400",
        lambda text: _bounded(text, 86400),
    ),
    Setting(
        "session_max_age",
        "--session-max-age",
        "VETTED_SESSION_MAX_AGE",
        "43200",
        "seconds a workspace session lasts at most after sign-in, 1-604800",
        lambda text: _bounded(text, 604800),
    ),
    Setting(
        "response_cache_mb",
        "--response-cache-mb",
        "VETTED_RESPONSE_CACHE_MB",
        "64",
        "megabytes of delivery responses each worker replays until the next commit (0: off)",
        _megabytes,
    ),
    Setting(
        "webhook_allowed_networks",
        "--webhook-allowed-networks",
        "VETTED_WEBHOOK_ALLOWED_NETWORKS",
        "(none)",
        "comma-separated networks webhook endpoints may lead to although they are private, "
        "loopback or link-local (such as 10.20.0.0/16); every other such address is refused",
        _networks,
    ),
    Setting(
        "webhook_timeout",
        "--webhook-timeout",
        "VETTED_WEBHOOK_TIMEOUT",
        "15",
        "seconds a webhook receiver has to answer one attempt, 1-60",
        lambda text: _bounded(text, 60),
    ),
    Setting(
        "export_dir",
        "--export-dir",
        "VETTED_EXPORT_DIR",
        "(none)",
        "folder every publish exports its rendered documents to, for nginx (static delivery)",
        _export_dir,
    ),
    Setting(
        "export_bucket",
        "--export-bucket",
        "VETTED_EXPORT_BUCKET",
        "(none)",
        "S3-compatible bucket (s3://bucket/prefix) every publish exports to; endpoint and "
        "credentials from the AWS_* environment",
        _bucket,
    ),
    Setting(
        "export_grace",
        "--export-grace",
        "VETTED_EXPORT_GRACE",
        "3600",
        "seconds a replaced export generation is kept for readers still on it, 1-604800",
        lambda text: _bounded(text, 604800),
    ),
    Setting(
        "debug",
        "--debug",
        "VETTED_DEBUG",
        "off",
        "verbose framework logging; responses never carry tracebacks either way",
        parse_bool,
    ),
)


def load_settings(flags: Mapping[str, str | None], env: Mapping[str, str]) -> Settings:
    """Settings from flag values (by field name; None means not given) and environment."""
    values: dict[str, object] = {}
    for setting in SETTINGS:
        flag = flags.get(setting.field)
        source, text = (setting.flag, flag) if flag is not None else (setting.env, None)
        if text is None:
            text = env.get(setting.env)
        if text is None:
            continue
        try:
            values[setting.field] = setting.parse(text)
        except ValueError as exc:
            raise InvalidSetting(source, str(exc)) from None
    values.setdefault("workers", os.cpu_count() or 1)
    return Settings(**values)  # type: ignore[arg-type]


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Settings)


def encode_settings(settings: Settings) -> str:
    """The settings as one JSON string, for the environment of worker processes."""
    return _encoder.encode(settings).decode()


def decode_settings(text: str) -> Settings:
    """Settings written by `encode_settings`."""
    return _decoder.decode(text)
