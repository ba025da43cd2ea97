"""``user``: the list holds only the caller; users change only their own names, profile and avatar."""

from __future__ import annotations

import base64

from tests.server.helpers import png_bytes, refusal


def test_list_is_one_element_self(owner):
    response = owner.get("user")
    assert response.status_code == 200
    users = response.json()
    assert isinstance(users, list) and len(users) == 1
    me = users[0]
    assert me["username"] == owner.username
    assert me["email"] == f"{owner.username}@example.org"
    assert {
        "first_name",
        "last_name",
        "date_joined",
        "is_active",
        "is_staff",
        "user_profile",
        "avatar",
    } <= set(me)


def test_list_and_detail_serialize_identically(owner):
    assert owner.get("user").json()[0] == owner.ok(f"user/{owner.username}")


def test_put_updates_names_profile_and_avatar(owner):
    me = owner.ok(f"user/{owner.username}")
    avatar = png_bytes(16, 16)
    body = {
        **me,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "user_profile": {"ui_data": {"theme": "dark", "panels": [1, 2]}},
        "avatar": base64.b64encode(avatar).decode(),
    }
    response = owner.put(f"user/{owner.username}/", body)
    assert response.status_code == 200, response.text
    again = owner.ok(f"user/{owner.username}")
    assert (again["first_name"], again["last_name"]) == ("Ada", "Lovelace")
    assert again["user_profile"] == {"ui_data": {"theme": "dark", "panels": [1, 2]}}
    assert base64.b64decode(again["avatar"]) == avatar
    assert again == response.json()


def test_profile_is_replaced_wholesale(owner):
    me = owner.ok(f"user/{owner.username}")
    owner.put(f"user/{owner.username}/", {**me, "user_profile": {"a": 1, "b": 2}})
    response = owner.put(f"user/{owner.username}/", {**me, "user_profile": {"c": 3}})
    assert response.status_code == 200
    assert owner.ok(f"user/{owner.username}")["user_profile"] == {"c": 3}


def test_avatar_can_be_cleared(owner):
    me = owner.ok(f"user/{owner.username}")
    owner.put(f"user/{owner.username}/", {**me, "avatar": base64.b64encode(png_bytes(4, 4)).decode()})
    response = owner.put(f"user/{owner.username}/", {**me, "avatar": None})
    assert response.status_code == 200
    assert owner.ok(f"user/{owner.username}")["avatar"] is None


def test_is_staff_change_is_ignored(owner):
    me = owner.ok(f"user/{owner.username}")
    response = owner.put(f"user/{owner.username}/", {**me, "is_staff": True, "is_active": False})
    assert response.status_code == 200
    again = owner.ok(f"user/{owner.username}")
    assert again["is_staff"] is False
    assert again["is_active"] is True


def test_bad_avatar_is_400_naming_the_field(owner):
    me = owner.ok(f"user/{owner.username}")
    response = owner.put(f"user/{owner.username}/", {**me, "avatar": "***not base64***"})
    assert response.status_code == 400
    assert "avatar" in response.json()


def test_profile_must_be_an_object(owner):
    me = owner.ok(f"user/{owner.username}")
    response = owner.put(f"user/{owner.username}/", {**me, "user_profile": [1, 2, 3]})
    assert response.status_code == 400
    assert "user_profile" in response.json()


def test_put_on_another_user_is_403(owner, stranger):
    theirs = stranger.ok(f"user/{stranger.username}")
    response = owner.put(f"user/{stranger.username}/", {**theirs, "first_name": "Mallory"})
    assert refusal(response, 403) == "You can only change your own account."
    assert stranger.ok(f"user/{stranger.username}")["first_name"] != "Mallory"


def test_patch_on_another_user_is_403(owner, stranger):
    assert (
        refusal(owner.patch(f"user/{stranger.username}/", {"first_name": "Mallory"}), 403)
        == "You can only change your own account."
    )


def test_username_change_is_403(owner):
    me = owner.ok(f"user/{owner.username}")
    response = owner.put(f"user/{owner.username}/", {**me, "username": owner.username + "-renamed"})
    assert refusal(response, 403) == "A username cannot be changed."
    assert owner.get("user").json()[0]["username"] == owner.username


def test_another_user_without_shared_workspace_is_404(owner, stranger):
    # the same answer as for a name nobody has (tests/server/security/test_cross_account.py)
    assert (
        refusal(owner.get(f"user/{stranger.username}"), 404)
        == f"No user named {stranger.username!r} that you share a workspace with."
    )


def test_missing_user_is_404(owner):
    assert (
        refusal(owner.get("user/no-such-user-anywhere"), 404)
        == "No user named 'no-such-user-anywhere' that you share a workspace with."
    )


def test_co_member_is_visible(live_server, owner):
    from tests.server.helpers import new_user

    colleague = new_user(live_server)
    workspace = owner.workspace()
    owner.post(
        f"workspace/{workspace['api_id']}/members/add/",
        {"username": colleague.username, "membership_type": "viewer"},
    )
    response = colleague.get(f"user/{owner.username}")
    assert response.status_code == 200
    assert response.json()["username"] == owner.username
