"""``/api/token/`` and ``/api/token/refresh/``: JWT pairs from form or JSON bodies, and the 401s the
official client relies on to refresh (``"code": "token_not_valid"``)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
import requests

from tests.server.helpers import refusal


@pytest.fixture(scope="module")
def pair(live_server, owner) -> dict:
    response = requests.post(
        live_server.url + "/api/token/", data={"username": owner.username, "password": owner.password}
    )
    assert response.status_code == 200
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def whoami(live_server, token: str) -> requests.Response:
    return requests.get(live_server.api + "user", headers=bearer(token), allow_redirects=False)


@pytest.mark.parametrize("encoding", ["data", "json"])
def test_obtain_pair_form_and_json(live_server, owner, encoding):
    credentials = {"username": owner.username, "password": owner.password}
    response = requests.post(live_server.url + "/api/token/", **{encoding: credentials})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"access", "refresh"}
    me = whoami(live_server, body["access"])
    assert me.status_code == 200
    assert me.json()[0]["username"] == owner.username


@pytest.mark.parametrize("encoding", ["data", "json"])
def test_refresh_form_and_json(live_server, owner, pair, encoding):
    response = requests.post(
        live_server.url + "/api/token/refresh/", **{encoding: {"refresh": pair["refresh"]}}
    )
    assert response.status_code == 200
    access = response.json()["access"]
    assert jwt.decode(access, live_server.secret_key, algorithms=["HS256"])["token_type"] == "access"
    assert whoami(live_server, access).json()[0]["username"] == owner.username


def test_refresh_without_slash(live_server, pair):
    response = requests.post(
        live_server.url + "/api/token/refresh", data={"refresh": pair["refresh"]}, allow_redirects=False
    )
    assert response.status_code == 200
    assert "access" in response.json()


@pytest.mark.parametrize("encoding", ["data", "json"])
def test_bad_password_is_401(live_server, owner, encoding):
    response = requests.post(
        live_server.url + "/api/token/",
        **{encoding: {"username": owner.username, "password": "wrong-password"}},
    )
    assert response.status_code == 401
    assert "access" not in response.json()


def test_unknown_user_is_401(live_server):
    response = requests.post(
        live_server.url + "/api/token/", data={"username": "nobody-here", "password": "x"}
    )
    assert refusal(response, 401) == "No active account found with the given credentials"


def test_missing_fields_is_400(live_server, owner):
    response = requests.post(live_server.url + "/api/token/", data={"username": owner.username})
    assert response.status_code == 400
    assert "password" in response.json()


def test_no_credentials_is_401(live_server):
    response = requests.get(live_server.api + "workspace/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _claims_like(live_server, pair: dict, **changes) -> dict:
    claims = jwt.decode(pair["access"], live_server.secret_key, algorithms=["HS256"])
    return {**claims, "jti": uuid.uuid4().hex, **changes}


def test_user_id_claim_shape(live_server, owner, pair):
    claims = jwt.decode(pair["access"], live_server.secret_key, algorithms=["HS256"])
    assert claims["token_type"] == "access"
    assert isinstance(claims["user_id"], str) and claims["user_id"].isdigit()
    assert claims["exp"] > time.time()


def test_crafted_valid_token_is_accepted(live_server, owner, pair):
    """Our crafted tokens match simplejwt's shape, so the failures below are due to what we changed."""
    now = int(time.time())
    token = jwt.encode(
        _claims_like(live_server, pair, iat=now, exp=now + 300), live_server.secret_key, "HS256"
    )
    assert whoami(live_server, token).status_code == 200


def test_expired_access_token_is_401_token_not_valid(live_server, pair):
    now = int(time.time())
    claims = _claims_like(live_server, pair, iat=now - 7200, exp=now - 3600)
    token = jwt.encode(claims, live_server.secret_key, algorithm="HS256")
    response = whoami(live_server, token)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_token_signed_with_another_key_is_401(live_server, pair):
    now = int(time.time())
    token = jwt.encode(
        _claims_like(live_server, pair, exp=now + 300), "not-the-server-key" * 3, algorithm="HS256"
    )
    response = whoami(live_server, token)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tampered_payload_is_401(live_server, pair):
    header, _, signature = pair["access"].split(".")
    now = int(time.time())
    forged = jwt.encode(
        _claims_like(live_server, pair, exp=now + 300, user_id="1"), "x" * 40, algorithm="HS256"
    )
    token = ".".join([header, forged.split(".")[1], signature])  # someone else's claims, the old signature
    response = whoami(live_server, token)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_token_is_not_an_access_token(live_server, pair):
    response = whoami(live_server, pair["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_garbage_refresh_is_401(live_server):
    response = requests.post(live_server.url + "/api/token/refresh/", data={"refresh": "not.a.token"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_access_token_cannot_refresh(live_server, pair):
    response = requests.post(live_server.url + "/api/token/refresh/", data={"refresh": pair["access"]})
    assert refusal(response, 401) == "Token has wrong type"
