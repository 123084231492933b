"""Staff PIN login on a shared POS device: the server checks the PIN, for staff of the
device's restaurant only, with the password's cooldown."""
from __future__ import annotations

from typing import Any

import pytest

from tests.test_api_envelope import assert_error
from tests.test_api_products import get, token

SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


async def uid_of(orm: Any, login: str) -> int:
    rows = await orm.run(lambda env: env["res.users"].search_read([("login", "=", login)], ["id"]))
    return rows[0]["id"]


async def set_pin(orm: Any, login: str, pin: str) -> int:
    uid = await uid_of(orm, login)
    await orm.run(lambda env: env["res.users.pos.pin"]._set_pin(uid, pin))
    return uid


async def pin_login(client: Any, device: dict[str, str], user_id: Any, pin: Any) -> Any:
    return await client.post("/api/v1/auth/pin", json={"user_id": user_id, "pin": pin},
                             headers=device)


async def test_a_waiter_takes_over_the_device_with_their_pin(client: Any, orm: Any) -> None:
    waiter = await set_pin(orm, "waiter", "4711")
    device = await token(client, "manager")
    staff = (await get(client, "/api/v1/auth/staff", device))["data"]
    names = {row["id"]: row for row in staff}
    assert names[waiter]["has_pin"] is True and names[waiter]["name"]
    sushi_waiter = await uid_of(orm, "sushi.waiter")
    assert sushi_waiter not in names          # another restaurant's staff is not listed
    assert all(set(row) == {"id", "name", "has_pin"} for row in staff)

    response = await pin_login(client, device, waiter, "4711")
    body = await response.json()
    assert response.status == 200, body
    assert body["data"]["user"]["login"] == "waiter"
    headers = {"Authorization": f"Bearer {body['data']['access_token']}"}
    me = (await get(client, "/api/v1/auth/me", headers))["data"]
    assert me["id"] == waiter
    sessions = (await get(client, "/api/v1/auth/sessions", headers))["data"]
    assert any("PIN on the device of manager" in (s.get("user_agent") or "") for s in sessions)
    # the device's own session goes on
    assert (await get(client, "/api/v1/auth/me", device))["data"]["login"] == "manager"


@SQLITE
@pytest.mark.parametrize("case", ["wrong pin", "no pin set", "other restaurant", "archived",
                                  "no such user"])
async def test_refusals_look_alike(client: Any, orm: Any, case: str) -> None:
    await set_pin(orm, "waiter", "4711")
    sushi = await set_pin(orm, "sushi.waiter", "1234")
    device = await token(client, "manager")
    target, pin = {"wrong pin": ("waiter", "4712"), "no pin set": ("owner", "1234"),
                   "other restaurant": (sushi, "1234"), "archived": ("waiter", "4711"),
                   "no such user": (999_999, "1234")}[case]
    if isinstance(target, str):
        target = await uid_of(orm, target)
    if case == "archived":
        await orm.run(lambda env: env["res.users"].write([target], {"active": False}))
    response = await pin_login(client, device, target, pin)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


@SQLITE
@pytest.mark.parametrize("body,field", [
    ({"pin": "1234"}, "user_id"),
    ({"user_id": "7", "pin": "1234"}, "user_id"),
    ({"user_id": True, "pin": "1234"}, "user_id"),
    ({"user_id": 2 ** 63, "pin": "1234"}, "user_id"),
    ({"user_id": 5}, "pin"),
    ({"user_id": 5, "pin": 1234}, "pin"),
])
async def test_bad_bodies_name_their_field(client: Any, body: dict[str, Any], field: str) -> None:
    device = await token(client, "manager")
    response = await client.post("/api/v1/auth/pin", json=body, headers=device)
    assert response.status == 422
    assert field in assert_error(await response.json(), "VALIDATION_ERROR")["field_errors"]


@SQLITE
async def test_the_device_must_be_logged_in(client: Any) -> None:
    for method, path in (("POST", "/api/v1/auth/pin"), ("GET", "/api/v1/auth/staff"),
                         ("PUT", "/api/v1/auth/pin"), ("PUT", "/api/v1/users/5/pin")):
        response = await client.request(method, path, json={"user_id": 5, "pin": "1234"})
        assert response.status == 401, path


@SQLITE
async def test_guessing_a_pin_hits_the_cooldown(client: Any, orm: Any) -> None:
    waiter = await set_pin(orm, "waiter", "4711")
    device = await token(client, "manager")
    statuses = [(await pin_login(client, device, waiter, f"{n:04d}")).status for n in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    # the right PIN is refused too while the cooldown lasts
    response = await pin_login(client, device, waiter, "4711")
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0


async def test_setting_pins(client: Any, orm: Any) -> None:
    waiter = await uid_of(orm, "waiter")
    own = await token(client, "waiter")
    # one's own, confirmed with the password
    response = await client.put("/api/v1/auth/pin", json={"pin": "2468", "password": "nope"},
                                headers=own)
    assert response.status == 401
    response = await client.put("/api/v1/auth/pin", json={"pin": "24", "password": "waiter"},
                                headers=own)
    assert response.status == 422
    assert "pin" in assert_error(await response.json(), "VALIDATION_ERROR")["field_errors"]
    response = await client.put("/api/v1/auth/pin", json={"pin": "2468", "password": "waiter"},
                                headers=own)
    assert response.status == 200, await response.json()
    device = await token(client, "manager")
    assert (await pin_login(client, device, waiter, "2468")).status == 200

    # a manager sets their staff's; not another restaurant's, and a waiter sets no one's
    response = await client.put(f"/api/v1/users/{waiter}/pin", json={"pin": "1357"},
                                headers=device)
    assert response.status == 200
    assert (await pin_login(client, device, waiter, "1357")).status == 200
    sushi_waiter = await uid_of(orm, "sushi.waiter")
    for headers, target in ((device, sushi_waiter), (own, await uid_of(orm, "kitchen")),
                            (device, 999_999)):
        response = await client.put(f"/api/v1/users/{target}/pin", json={"pin": "1357"},
                                    headers=headers)
        assert response.status == 403
        assert_error(await response.json(), "FORBIDDEN")
    # the Sushi waiter's PIN is still the demo's
    sushi_device = await token(client, "sushi.manager")
    assert (await pin_login(client, sushi_device, sushi_waiter, "1357")).status == 401
    assert (await pin_login(client, sushi_device, sushi_waiter, "1234")).status == 200
