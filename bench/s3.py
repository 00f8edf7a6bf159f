"""A real S3-compatible server for tests and the benchmark: moto's server mode on a free
loopback port, started by the caller itself, and the environment boto3 (and Litestream)
reach it with."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.servers import Server, free_port, running

__all__ = ["S3", "replica_env", "s3_server"]

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class S3:
    """A running S3-compatible server: its URL, the environment to reach it, a client."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.url
        self.env = {**CREDENTIALS, "AWS_ENDPOINT_URL": self.url}

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.url, **_session_args())

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name


def _session_args() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_REGION"],
    }


@contextmanager
def s3_server(folder: Path) -> Iterator[S3]:
    """moto's S3 server on 127.0.0.1 until the block ends."""
    port = free_port()
    binary = Path(sys.executable).with_name("moto_server")
    command = [str(binary), "-H", "127.0.0.1", "-p", str(port)]
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **CREDENTIALS}
    with running(command, port, folder / "moto.log", ready_path="/", env=env) as server:
        yield S3(server)


def replica_env(db: Path, s3_env: dict[str, str], bucket: str) -> dict[str, str]:
    """The environment deploy/litestream.yml reads (and the bucket's credentials), for
    replicating `db` to `bucket` on this server."""
    return {
        **s3_env,
        "AWS_CA_BUNDLE": "",  # plain HTTP on loopback: no certificate bundle to load
        "VETTED_DB": str(db),
        "VETTED_REPLICA_URL": f"s3://{bucket}/vetted",
        "VETTED_REPLICA_ENDPOINT": s3_env["AWS_ENDPOINT_URL"],
        "VETTED_REPLICA_PATH_STYLE": "true",
    }
