"""nginx for the benchmark: the repository's cache config (`deploy/nginx-cache.conf`) with
its placeholders filled in, a static-file server for the machine's limit, and the process
that runs either from a private prefix on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bench.servers import ROOT, Server, running, workers

__all__ = [
    "CACHE_CONFIG",
    "EXPORT_CONFIG",
    "HEADERS_MORE",
    "cache_site",
    "export_site",
    "main_config",
    "nginx_running",
    "static_site",
]

CACHE_CONFIG = ROOT / "deploy" / "nginx-cache.conf"
PROBLEM_HEADERS = ROOT / "deploy" / "nginx-problem-headers.conf"
EXPORT_CONFIG = ROOT / "deploy" / "nginx-export.conf"
HEADERS_MORE = Path("/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so")
"""The headers-more module the export config needs (Debian's
libnginx-mod-http-headers-more-filter)."""


def export_site(upstream_port: int, port: int, export_dir: Path) -> str:
    """The deployed static-delivery config over `export_dir`, the app on
    127.0.0.1:`upstream_port` answering what the export cannot."""
    return (
        EXPORT_CONFIG.read_text()
        .replace("@LISTEN@", f"127.0.0.1:{port}")
        .replace("@UPSTREAM@", f"127.0.0.1:{upstream_port}")
        .replace("@EXPORT@", str(export_dir))
        .replace("@DEPLOY@", str(EXPORT_CONFIG.parent))
    )


def cache_site(
    upstream_port: int,
    port: int,
    cache_dir: Path,
    *,
    freshness_s: int | None = None,
    tls: tuple[Path, Path] | None = None,
) -> str:
    """The deployed cache config for an origin on 127.0.0.1:`upstream_port`. `freshness_s`
    replaces the origin's max-age, so a test need not wait a minute for a publish. `tls`
    (a certificate and its key) makes it listen for HTTPS, as the config's header says."""
    text = CACHE_CONFIG.read_text()
    if tls is not None:
        listen = "listen @LISTEN@;"
        if listen not in text:
            raise ValueError(f"{CACHE_CONFIG} no longer has {listen!r}")
        certificate, key = tls
        text = text.replace(
            listen,
            f"listen @LISTEN@ ssl;\n    ssl_certificate {certificate};\n"
            f"    ssl_certificate_key {key};",
        )
    text = (
        text.replace("@LISTEN@", f"127.0.0.1:{port}")
        .replace("@UPSTREAM@", f"127.0.0.1:{upstream_port}")
        .replace("@CACHE_DIR@", str(cache_dir))
        .replace("@PROBLEM_HEADERS@", str(PROBLEM_HEADERS))
    )
    if freshness_s is not None:
        ignored = "proxy_ignore_headers Vary;"
        if ignored not in text:
            raise ValueError(f"{CACHE_CONFIG} no longer has {ignored!r}")
        text = text.replace(
            ignored,
            f"proxy_ignore_headers Vary Cache-Control Expires;\n"
            f"        proxy_cache_valid 200 {freshness_s}s;",
        )
    return text


def static_site(port: int, root: Path, headers: Mapping[str, str]) -> str:
    """Files under `root` served as they are, with the given response headers."""
    added = "".join(
        f"        add_header {name} {_quoted(value)};\n" for name, value in headers.items()
    )
    return (
        "server {\n"
        f"    listen 127.0.0.1:{port};\n"
        f"    root {root};\n"
        "    default_type application/json;\n"
        "    location / {\n"
        "        try_files $uri =404;\n"
        f"{added}"
        "    }\n"
        "}\n"
    )


def main_config(prefix: Path, site: str, modules: tuple[Path, ...] = ()) -> str:
    """A whole nginx.conf around `site`, keeping every file nginx writes under `prefix`."""
    return (
        "".join(f"load_module {module};\n" for module in modules)
        + f"worker_processes {workers()};\n"
        + "pcre_jit on;\n"
        "user root;\n"
        f"pid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        "    access_log off;\n"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        "    keepalive_requests 1000000;\n"
        "    open_file_cache max=100;\n"
        f"    client_body_temp_path {prefix}/client;\n"
        f"    proxy_temp_path {prefix}/proxy;\n"
        f"    fastcgi_temp_path {prefix}/fastcgi;\n"
        f"    uwsgi_temp_path {prefix}/uwsgi;\n"
        f"    scgi_temp_path {prefix}/scgi;\n"
        f"{site}"
        "}\n"
    )


@contextmanager
def nginx_running(
    prefix: Path, site: str, port: int, modules: tuple[Path, ...] = ()
) -> Iterator[Server]:
    """nginx in the foreground with `site` until the block ends."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, site, modules))
    command = [binary, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"]
    with running(command, port, prefix / "nginx.out", ready_path="/nginx-ready") as server:
        yield server


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
