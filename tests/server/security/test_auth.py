"""Authentication attacks: CSRF, cookies on the API, brute force, forged JWTs, other users' API keys,
password hashing, and secrets kept out of the server log."""

from __future__ import annotations

import base64
import json
import secrets

import requests

from tests.server.helpers import NO_CREDENTIALS, Api, new_user, read_db, refusal, token_session, unique
from tests.server.security.conftest import LOGIN_RATE
from tests.web.helpers import FORM_EXPIRED, csrf_token, error_page, web_session

BAD_CREDENTIALS = "No active account found with the given credentials"
ANOTHER_USERS_KEY = "This API key belongs to another user."
REVOKED_KEY = "This API key is not valid or has been revoked."
THROTTLED = "Too many failed sign-in attempts for this username; try again in "


def throttled(response: requests.Response) -> None:
    """A 429 of the token endpoint: it says why, when to try again (in the seconds of its Retry-After, once)
    and which setting sets the rate."""
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    assert refusal(response, 429) == f"{THROTTLED}{seconds} seconds (FIGTRAIL_LOGIN_RATE)."


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def access_token(server, username: str, password: str) -> str:
    return server.login(username, password).headers["Authorization"].split()[1]


# ---- CSRF and cookies ----


def test_text_plain_json_post_to_web_forms_is_403(live_server, owner):
    web = web_session(live_server, owner.username, owner.password)
    before = len(owner.ok("api_key/"))
    for path in ("/account/api-keys", "/account/password", "/signout"):
        response = web.post(
            live_server.url + path,
            data=json.dumps({"name": "csrf", "new_password1": "x", "new_password2": "x"}),
            headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
            allow_redirects=False,
            timeout=30,
        )
        assert error_page(response, 403) == ("Form expired", FORM_EXPIRED), path
    assert len(owner.ok("api_key/")) == before  # no key was created
    assert web.get(live_server.url + "/account/api-keys", timeout=30).status_code == 200  # still signed in


def test_form_post_without_csrf_token_is_403(live_server, owner):
    web = web_session(live_server, owner.username, owner.password)
    response = web.post(
        live_server.url + "/account/api-keys", data={"name": "csrf"}, allow_redirects=False, timeout=30
    )
    assert error_page(response, 403) == ("Form expired", FORM_EXPIRED)


def test_session_cookie_alone_is_401_on_the_api(live_server, owner):
    web = web_session(live_server, owner.username, owner.password)
    assert "figtrail_session" in web.cookies
    for path in ("user/", "workspace/", "api_key/"):
        response = web.get(live_server.api + path, timeout=30)
        assert refusal(response, 401) == NO_CREDENTIALS, path
    response = web.post(live_server.api + "workspace/", json={"name": unique("ws")}, timeout=30)
    assert refusal(response, 401) == NO_CREDENTIALS


def test_api_never_sets_cookies(live_server):
    username, password = live_server.add_user()
    token = requests.post(live_server.url + "/api/token/", data={"username": username, "password": password})
    assert token.status_code == 200 and "Set-Cookie" not in token.headers
    response = requests.get(live_server.api + "user/", headers=bearer(token.json()["access"]), timeout=30)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


# ---- brute force ----


def test_token_endpoint_throttles_failed_attempts(strict_server):
    username, password = strict_server.add_user()
    url = strict_server.url + "/api/token/"
    for _ in range(LOGIN_RATE):
        response = requests.post(url, data={"username": username, "password": "wrong"}, timeout=30)
        assert refusal(response, 401) == BAD_CREDENTIALS
    response = requests.post(url, data={"username": username, "password": "wrong"}, timeout=30)
    throttled(response)
    # while throttled even the right password is refused, for JSON bodies too
    throttled(requests.post(url, data={"username": username, "password": password}))
    throttled(requests.post(url, json={"username": username, "password": password}))
    forged = {"X-Forwarded-For": "203.0.113.7"}  # a forged client address gets no fresh count
    throttled(requests.post(url, data={"username": username, "password": "x"}, headers=forged))
    # another username from the same address is not affected
    other, other_password = strict_server.add_user()
    assert requests.post(url, data={"username": other, "password": other_password}).status_code == 200


def test_successful_sign_ins_are_not_throttled(strict_server):
    username, password = strict_server.add_user()
    for _ in range(LOGIN_RATE * 2):
        response = requests.post(
            strict_server.url + "/api/token/", data={"username": username, "password": password}, timeout=30
        )
        assert response.status_code == 200


def test_web_sign_in_throttles_failed_attempts(strict_server):
    username, password = strict_server.add_user()
    session = requests.Session()
    url = strict_server.url + "/signin"

    def attempt(secret: str) -> requests.Response:
        token = csrf_token(session.get(url, timeout=30).text)
        return session.post(
            url,
            data={"username": username, "password": secret, "csrfmiddlewaretoken": token},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=30,
        )

    for _ in range(LOGIN_RATE):
        assert attempt("wrong").status_code == 200  # the form again, with its error
    refused = attempt("wrong")
    assert refused.status_code == 429
    assert THROTTLED in refused.text  # the form again, saying why
    refused = attempt(password)
    assert refused.status_code == 429 and THROTTLED in refused.text
    # the API shares the count: the same address and username is throttled there too
    throttled(
        requests.post(strict_server.url + "/api/token/", data={"username": username, "password": password})
    )


# ---- forged JWTs ----


def test_tampered_jwts_are_401(live_server):
    alice, alice_password = live_server.add_user()
    bob, bob_password = live_server.add_user()
    token = access_token(live_server, alice, alice_password)
    bob_token = access_token(live_server, bob, bob_password)
    header, payload, signature = token.split(".")
    claims = b64url_json(payload)
    bob_claims = b64url_json(bob_token.split(".")[1])
    assert requests.get(live_server.api + "user/", headers=bearer(token)).status_code == 200

    as_bob = f"{header}.{b64url(json.dumps(bob_claims).encode())}.{signature}"
    longer = f"{header}.{b64url(json.dumps({**claims, 'exp': claims['exp'] + 10**6}).encode())}.{signature}"
    wrong_signature = f"{header}.{payload}.{b64url(secrets.token_bytes(32))}"
    none_header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    alg_none = f"{none_header}.{payload}."
    alg_none_as_bob = f"{none_header}.{b64url(json.dumps(bob_claims).encode())}."
    hs512 = b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
    for forged in (
        as_bob,
        longer,
        wrong_signature,
        alg_none,
        alg_none_as_bob,
        f"{hs512}.{payload}.{signature}",
    ):
        response = requests.get(live_server.api + "user/", headers=bearer(forged), timeout=30)
        assert refusal(response, 401, "code") == "token_not_valid", forged
    refresh = requests.post(live_server.url + "/api/token/refresh/", data={"refresh": alg_none}, timeout=30)
    assert refusal(refresh, 401, "code") == "token_not_valid"


# ---- API keys ----


def test_other_users_api_key_is_403_and_revoked_key_is_401(live_server):
    owner, stranger = new_user(live_server), new_user(live_server)
    key = owner.created("api_key/", {"name": unique("key")})
    assert refusal(stranger.get(f"api_key/{key['api_id']}/"), 403) == ANOTHER_USERS_KEY
    assert refusal(stranger.delete(f"api_key/{key['api_id']}/"), 403) == ANOTHER_USERS_KEY
    with_key = Api(live_server, token_session(key["token"]), owner.username, owner.password)
    assert with_key.get("user/").status_code == 200
    assert owner.delete(f"api_key/{key['api_id']}/").status_code == 204
    assert refusal(with_key.get("user/"), 401) == REVOKED_KEY
    assert refusal(with_key.get("workspace/"), 401) == REVOKED_KEY


# ---- storage of secrets ----


def test_passwords_are_hashed_with_argon2(live_server):
    username, password = live_server.add_user()
    rows = read_db(live_server, "SELECT password FROM accounts_user WHERE username = ?", (username,))
    assert len(rows) == 1
    assert rows[0][0].startswith("argon2$argon2id$")
    assert password not in rows[0][0]


def test_secrets_never_reach_the_server_log(strict_server):
    username, password = strict_server.add_user()
    api = new_user(strict_server)
    key = api.created("api_key/", {"name": unique("key")})["token"]
    token = access_token(strict_server, username, password)
    refresh = requests.post(
        strict_server.url + "/api/token/", data={"username": username, "password": password}
    ).json()["refresh"]
    wrong = "not-" + password
    requests.post(strict_server.url + "/api/token/", data={"username": username, "password": wrong})
    requests.post(strict_server.url + "/api/token/", json={"username": username, "password": wrong})
    requests.get(strict_server.api + "user/", headers={"Authorization": f"Token {key}"})
    requests.get(strict_server.api + "user/", headers={"Authorization": f"Token {key}x"})
    requests.get(strict_server.api + "user/", headers=bearer(token))
    requests.get(strict_server.api + "user/", headers=bearer(token[:-4] + "AAAA"))
    requests.post(strict_server.url + "/api/token/refresh/", data={"refresh": refresh})
    web_session(strict_server, username, password)
    log = (strict_server.home / "server.log").read_text(errors="replace")
    for secret in (password, wrong, api.password, key, token, refresh, token[:-4]):
        assert secret not in log
