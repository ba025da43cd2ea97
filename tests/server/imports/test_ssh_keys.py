"""``ssh_key/``: keys for Git imports, stored encrypted and never given back; each user sees their own."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tests.server.helpers import NO_CREDENTIALS, no_such, read_db, refusal

NOT_A_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n"


def openssh_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def pem_private(key, password: bytes | None = None) -> str:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def public_line(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def sha256_fingerprint(public_key: str) -> str:
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def key_body(private_text: str) -> str:
    """The base64 lines of a private key file, without its BEGIN/END lines."""
    return "".join(line for line in private_text.splitlines() if "-----" not in line)


def assert_no_private_key(text: str, *privates: str) -> None:
    assert "PRIVATE KEY" not in text
    for private in privates:
        assert key_body(private)[:40] not in text.replace("\\n", "").replace("\n", "")


def test_generate_returns_public_key_and_fingerprint_only(owner, live_server):
    response = owner.post("ssh_key/", {"name": "laptop", "generate": True})
    assert response.status_code == 201, response.text
    key = response.json()
    assert set(key) == {"api_id", "name", "public_key", "fingerprint", "created_on"}
    assert key["name"] == "laptop"
    assert key["public_key"].startswith("ssh-ed25519 ")
    assert key["fingerprint"] == sha256_fingerprint(key["public_key"])
    assert_no_private_key(response.text)
    assert "private_key" not in response.text
    stored = read_db(live_server, "SELECT private_key_encrypted FROM imports_sshkey WHERE api_id = ?",
                     (key["api_id"].replace("-", ""),))  # fmt: skip
    assert stored and stored[0][0] and "PRIVATE KEY" not in stored[0][0]


@pytest.mark.parametrize("form", ["openssh", "pem"])
def test_create_from_private_key(owner, live_server, form):
    key = ed25519.Ed25519PrivateKey.generate() if form == "openssh" else rsa.generate_private_key(65537, 2048)
    private = openssh_private(key) if form == "openssh" else pem_private(key)
    response = owner.post("ssh_key/", {"name": f"deploy {form}", "private_key": private})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["public_key"].split()[:2] == public_line(key).split()[:2]
    assert created["fingerprint"] == sha256_fingerprint(public_line(key))
    assert_no_private_key(response.text, private)
    for path in ("ssh_key/", f"ssh_key/{created['api_id']}/"):
        listed = owner.get(path)
        assert listed.status_code == 200
        assert_no_private_key(listed.text, private)
        assert "private_key" not in listed.text
    rows = read_db(live_server, "SELECT private_key_encrypted, public_key FROM imports_sshkey")
    for encrypted, _public in rows:
        assert "PRIVATE KEY" not in encrypted
        assert key_body(private)[:40] not in encrypted


def test_encrypted_key_is_refused_with_a_clear_reason(owner):
    private = pem_private(ed25519.Ed25519PrivateKey.generate(), password=b"secret passphrase")
    response = owner.post("ssh_key/", {"name": "locked", "private_key": private})
    assert response.status_code == 400
    assert "encrypted" in " ".join(response.json()["private_key"])
    assert_no_private_key(response.text, private)


@pytest.mark.parametrize(
    "body",
    [
        {
            "name": "junk",
            "private_key": NOT_A_KEY,
        },
        {"name": "junk", "private_key": "hello"},
        {"name": "neither"},
        {"name": "both", "generate": True, "private_key": "x"},
    ],
)
def test_wrong_key_is_a_400_naming_private_key(owner, body):
    response = owner.post("ssh_key/", body)
    assert response.status_code == 400
    assert "private_key" in response.json()


def test_own_keys_only_and_delete(owner, stranger):
    mine = owner.created("ssh_key/", {"name": "mine", "generate": True})
    assert mine["api_id"] in {key["api_id"] for key in owner.ok("ssh_key/")}
    assert mine["api_id"] not in {key["api_id"] for key in stranger.ok("ssh_key/")}
    assert refusal(stranger.get(f"ssh_key/{mine['api_id']}/"), 404) == no_such("SSH key", mine["api_id"])
    assert refusal(stranger.delete(f"ssh_key/{mine['api_id']}/"), 404) == no_such("SSH key", mine["api_id"])
    assert owner.delete(f"ssh_key/{mine['api_id']}/").status_code == 204
    assert refusal(owner.get(f"ssh_key/{mine['api_id']}/"), 404) == no_such("SSH key", mine["api_id"])
    assert mine["api_id"] not in {key["api_id"] for key in owner.ok("ssh_key/")}


def test_signed_out_is_refused(live_server):
    import requests

    assert refusal(requests.get(live_server.api + "ssh_key/"), 401) == NO_CREDENTIALS
