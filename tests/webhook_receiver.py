"""A partner's webhook receiver for the tests, run as its own process:
`python -m tests.webhook_receiver PORT FOLDER`.

It verifies every request with the Standard Webhooks library against the secrets in
FOLDER/secrets.json (re-read per request, so a test can switch them), and appends one JSON
line per request to FOLDER/received.jsonl: the `webhook-id`, which secret verified it (or
none), and the payload. While FOLDER/hold exists it keeps each answer back (the request is
logged first), so a test can kill the sender with an attempt in flight. It answers 200 to a
verified request and 401 to any other."""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["received", "unique_events"]


def received(folder: Path) -> list[dict[str, Any]]:
    """Every request the receiver logged, in order."""
    log = folder / "received.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def unique_events(folder: Path) -> dict[str, dict[str, Any]]:
    """Verified requests de-duplicated by `webhook-id`, as a receiver keeps them."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in received(folder):
        if entry["verified_by"] is not None:
            seen.setdefault(entry["webhook_id"], entry)
    return seen


def _handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            secrets = json.loads((folder / "secrets.json").read_text())
            verified_by = None
            payload = None
            for index, secret in enumerate(secrets):
                try:
                    payload = Webhook(secret).verify(body, headers)
                except WebhookVerificationError:
                    continue
                verified_by = index
                break
            entry = {
                "webhook_id": headers.get("webhook-id"),
                "verified_by": verified_by,
                "signatures": len(headers.get("webhook-signature", "").split()),
                "payload": payload,
                "at": time.time(),
            }
            with (folder / "received.jsonl").open("a") as log:
                log.write(json.dumps(entry) + "\n")
            while (folder / "hold").exists():
                time.sleep(0.02)
            self.send_response(200 if verified_by is not None else 401)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the log file is the record

    return Receiver


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(folder))
    (folder / "ready").write_text("1")
    server.serve_forever()


if __name__ == "__main__":
    main()
