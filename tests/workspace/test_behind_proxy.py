"""The workspace behind the shipped nginx (`deploy/nginx-cache.conf`), over plain HTTP and
over TLS with a self-signed certificate made here: the real server process, the real
nginx, and Debian's Chromium signing in and sending a form (security probe D2).

Before the fix every form was refused with 403 there: the app compared the browser's
`Origin` with its own view of the request (`http`, and nginx's `Host` without the port)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.nginx import cache_site, nginx_running
from bench.servers import free_port, running, vetted_command
from tests.workspace.browser import Visit
from tests.workspace.people import csrf_of, make_tokens

NGINX_MISSING = shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists()
# .ci/run installs nginx (and openssl), so in CI a missing binary fails the run.
pytestmark = pytest.mark.skipif(
    NGINX_MISSING and not os.environ.get("CI"),
    reason="the nginx binary is not installed (.ci/run installs it)",
)


class Behind:
    """nginx in front of `vetted serve`: the URL browsers use, and the people's tokens."""

    def __init__(self, url: str, tokens: dict[str, str], app_url: str) -> None:
        self.url = url
        self.tokens = tokens
        self.app_url = app_url


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@contextmanager
def behind_nginx(
    folder: Path, imported_db: Path, flags: list[str], *, tls: bool
) -> Iterator[Behind]:
    """The server with `flags` (`{proxy}` stands for nginx's port) behind the shipped
    config, listening for HTTPS when `tls`."""
    db = folder / "vetted.db"
    shutil.copyfile(imported_db, db)
    tokens = make_tokens(db)
    app_port, proxy_port = free_port(), free_port()
    command = vetted_command(db, app_port, worker_count=1)
    command += [flag.replace("{proxy}", str(proxy_port)) for flag in flags]
    with running(command, app_port, folder / "app.log", ready_path="/readyz") as app:
        site = cache_site(
            app_port, proxy_port, folder / "cache", tls=certificate(folder) if tls else None
        )
        with nginx_running(folder / "nginx", site, proxy_port):
            scheme = "https" if tls else "http"
            yield Behind(f"{scheme}://127.0.0.1:{proxy_port}", tokens, app.url)


def sign_in_as_the_probe(
    client: httpx.Client, url: str, secret: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The probe's request: the form's token and cookie from `GET /workspace/`, then the
    POST a browser sends (`Origin` of the page, `Sec-Fetch-Site: same-origin`)."""
    form = client.get(url + "/workspace/")
    assert form.status_code == 200, form.text
    return client.post(
        url + "/workspace/sign-in",
        data={"_csrf_token": csrf_of(form.text), "token": secret, "next": ""},
        headers={"Origin": url, "Sec-Fetch-Site": "same-origin", **(headers or {})},
        follow_redirects=False,
    )


def cookie_flags(response: httpx.Response, name: str) -> set[str]:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(name + "=")]
    assert found, response.headers
    return {part.strip().lower() for part in found[0].split(";")[1:]}


def test_a_browser_signs_in_and_sends_a_form_through_nginx_with_tls(
    browser: Any, tmp_path: Path, imported_db: Path
) -> None:
    flags = ["--public-origin", "https://127.0.0.1:{proxy}"]
    with behind_nginx(tmp_path, imported_db, flags, tls=True) as site:
        context = browser.new_context(ignore_https_errors=True)
        try:
            visit = Visit(context.new_page(), site.url)
            visit.sign_in(site.tokens["editor"])
            assert visit.page.url == site.url + "/workspace/dashboard"
            cookies = {c["name"]: c for c in context.cookies()}
            session = cookies["vetted_session"]
            assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Strict"
            # A form of a signed-in page, with its session's CSRF token: signing out.
            visit.page.get_by_role("button", name="Sign out").click()
            visit.page.wait_for_url(site.url + "/workspace/")
            assert visit.page.get_by_text("You are signed out.").is_visible()
            assert "vetted_session" not in {c["name"] for c in context.cookies()}
        finally:
            context.close()


def test_the_probes_tls_sign_in_with_a_public_origin(tmp_path: Path, imported_db: Path) -> None:
    flags = ["--public-origin", "https://127.0.0.1:{proxy}"]
    with (
        behind_nginx(tmp_path, imported_db, flags, tls=True) as site,
        httpx.Client(verify=False) as client,
    ):
        signed_in = sign_in_as_the_probe(client, site.url, site.tokens["editor"])
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/workspace/dashboard"
        assert {"secure", "httponly", "samesite=strict"} <= cookie_flags(
            signed_in, "vetted_session"
        )
        # Straight to the app, forms come only from the public origin.
        direct = sign_in_as_the_probe(client, site.app_url, site.tokens["editor"])
        assert direct.status_code == 403


def test_the_probes_tls_sign_in_with_nginx_as_a_trusted_proxy(
    tmp_path: Path, imported_db: Path
) -> None:
    with (
        behind_nginx(tmp_path, imported_db, ["--trusted-proxies", "127.0.0.1"], tls=True) as site,
        httpx.Client(verify=False) as client,
    ):
        signed_in = sign_in_as_the_probe(client, site.url, site.tokens["editor"])
        assert signed_in.status_code == 303, signed_in.text
        assert "secure" in cookie_flags(signed_in, "vetted_session")


def test_the_probes_plain_http_sign_in_through_nginx(tmp_path: Path, imported_db: Path) -> None:
    """No setting at all: nginx passes the Host with its port, and that is the origin."""
    with (
        behind_nginx(tmp_path, imported_db, [], tls=False) as site,
        httpx.Client() as client,
    ):
        signed_in = sign_in_as_the_probe(client, site.url, site.tokens["editor"])
        assert signed_in.status_code == 303, signed_in.text
        assert "secure" not in cookie_flags(signed_in, "vetted_session")


def test_a_clients_forwarded_headers_are_not_believed_through_nginx(
    tmp_path: Path, imported_db: Path
) -> None:
    """nginx is trusted, but it overwrites X-Forwarded-Proto and drops X-Forwarded-Host: a
    client claiming HTTPS, or another host, gains nothing."""
    with (
        behind_nginx(tmp_path, imported_db, ["--trusted-proxies", "127.0.0.1"], tls=False) as site,
        httpx.Client() as client,
    ):
        forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
        for origin in ("https://evil.example", site.url.replace("http:", "https:")):
            refused = sign_in_as_the_probe(
                client, site.url, site.tokens["editor"], {**forged, "Origin": origin}
            )
            assert refused.status_code == 403, origin
        signed_in = sign_in_as_the_probe(client, site.url, site.tokens["editor"], forged)
        assert signed_in.status_code == 303
        assert "secure" not in cookie_flags(signed_in, "vetted_session")
