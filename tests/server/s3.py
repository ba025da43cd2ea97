"""A real S3-speaking server for the tests: moto's standalone server as a plain process on loopback.

It speaks S3's REST protocol over HTTP (signed requests, PUT/GET/HEAD/LIST/DELETE), so the server under
test talks to it through boto3 and django-storages exactly as it would to AWS, MinIO or Ceph.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import requests

from tests.conftest import free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
ACCESS_KEY = "figtrail-test-access"
SECRET_KEY = "figtrail-test-secret-" + secrets.token_hex(8)
REGION = "us-east-1"


@dataclass
class S3Server:
    url: str
    process: subprocess.Popen

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self) -> str:
        name = f"figtrail-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The FIGTRAIL_S3_* settings that put a figtrail server's blobs in ``bucket``."""
        return {
            "FIGTRAIL_S3_BUCKET": bucket,
            "FIGTRAIL_S3_ENDPOINT_URL": self.url,
            "FIGTRAIL_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "FIGTRAIL_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "FIGTRAIL_S3_REGION": REGION,
            "FIGTRAIL_S3_PREFIX": prefix,
        }

    def objects(self, bucket: str, prefix: str = "") -> dict[str, int]:
        """Every object's key and size under ``prefix``."""
        found: dict[str, int] = {}
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                found[item["Key"]] = item["Size"]
        return found

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def start_s3(log_dir: Path) -> S3Server:
    port = free_port()
    log = open(log_dir / "moto.log", "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited early:\n{(log_dir / 'moto.log').read_text()}")
        try:
            requests.get(url + "/moto-api/", timeout=1)
            return S3Server(url=url, process=process)
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("moto_server did not start")


def stop_s3(server: S3Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
