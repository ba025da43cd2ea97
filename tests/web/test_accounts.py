"""Signing in and out, changing the password, and API keys, in a real browser."""

from __future__ import annotations

import requests

from tests.server.helpers import new_user, refusal, token_session


def test_sign_in_lands_on_home_and_sign_out_ends_the_session(live_server, visitor, owner, seeded):
    page = visitor.page
    page.goto("/")
    assert page.url.endswith("/signin?next=/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", "wrong password")
    page.click("#signin-submit")
    assert "Please enter a correct username and password" in page.inner_text(".messages")
    visitor.sign_in(owner.username, owner.password)
    assert page.url == live_server.url + "/"
    assert page.inner_text("h1") == f"Welcome back, {owner.username}"
    assert seeded.workspace["name"] in page.inner_text("#workspaces")
    assert "Tumour volume by arm" in page.inner_text("#recent-figures")
    with page.expect_navigation():
        page.click("text=Sign out")
    assert "/signin" in page.url
    page.goto("/")
    assert "/signin" in page.url
    assert visitor.errors == []


def test_sign_in_returns_to_the_page_asked_for(visitor, owner, seeded):
    page = visitor.page
    page.goto(f"/figure/{seeded.figure['api_id']}")
    assert "/signin?next=" in page.url
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.password)
    with page.expect_navigation():
        page.click("#signin-submit")
    assert page.url.endswith(f"/figure/{seeded.figure['api_id']}")


def test_password_change(browser, live_server, visitor):
    user = new_user(live_server)
    visitor.sign_in(user.username, user.password)
    page = visitor.page
    page.goto("/account/password")
    page.fill("#id_old_password", user.password)
    page.fill("#id_new_password1", "a brand new passphrase 42")
    page.fill("#id_new_password2", "a brand new passphrase 42")
    with page.expect_navigation():
        page.click("#password-form button[type=submit]")
    assert "Your password has been changed." in page.inner_text(".messages")
    old = requests.post(
        live_server.url + "/api/token/", data={"username": user.username, "password": user.password}
    )
    assert refusal(old, 401) == "No active account found with the given credentials"
    new = requests.post(
        live_server.url + "/api/token/",
        data={"username": user.username, "password": "a brand new passphrase 42"},
    )
    assert new.status_code == 200


def test_api_key_is_shown_once_works_and_can_be_revoked(live_server, visitor):
    user = new_user(live_server)
    visitor.sign_in(user.username, user.password)
    page = visitor.page
    page.goto("/account/api-keys")
    page.fill("#id_name", "laptop notebooks")
    page.fill("#id_expires_in_days", "30")
    with page.expect_navigation():
        page.click("#api-key-form button[type=submit]")
    assert page.url == f"{live_server.url}/account/api-keys"  # POST/redirect/GET: a reload posts nothing
    token = page.input_value("#new-token")
    assert token.startswith("ft_")
    assert "laptop notebooks" in page.inner_text("#api-keys")
    # the exact lines for this server, with the new key in them
    assert (
        page.input_value("#setup-figtrail-config")
        == f"figtrail config --url {live_server.url} --api-key {token}"
    )
    assert page.input_value("#setup-figtrail-env") == (
        f"export FIGTRAIL_URL={live_server.url}\nexport FIGTRAIL_API_KEY={token}"
    )
    assert (
        page.input_value("#setup-gofigr-env") == f"export GF_URL={live_server.url}\nexport GF_API_KEY={token}"
    )
    assert token_session(token).get(live_server.api + "workspace/").status_code == 200
    page.reload()
    assert page.locator("#new-token").count() == 0  # shown once only, and the reload made no second key
    assert token not in page.content()
    assert page.locator("#api-keys tbody tr").count() == 1
    assert "<your API key>" in page.input_value("#setup-gofigr-env")
    page.on("dialog", lambda dialog: dialog.accept())  # the "Revoke ...?" confirmation
    with page.expect_navigation():
        page.click("#api-keys button:has-text('Revoke')")
    assert "The API key has been revoked." in page.inner_text(".messages")
    revoked = token_session(token).get(live_server.api + "workspace/")
    assert refusal(revoked, 401) == "This API key is not valid or has been revoked."
    assert visitor.errors == []


def test_a_new_user_s_empty_home_says_how_to_publish_to_this_server(live_server, visitor):
    user = new_user(live_server)
    visitor.sign_in(user.username, user.password)
    page = visitor.page
    page.goto("/")
    assert (
        page.input_value("#setup-gofigr-env")
        == f"export GF_URL={live_server.url}\nexport GF_API_KEY=<your API key>"
    )
    assert page.input_value("#setup-figtrail-config").startswith(f"figtrail config --url {live_server.url} ")
    assert page.get_attribute("#client-setup a", "href") == "/account/api-keys"
