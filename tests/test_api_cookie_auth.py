"""The Odoo session cookie also works on the REST API (a browser logged in on the Odoo
face calls /api/v1 without a token), with the CSRF rule of gateway/api/auth.py."""
from __future__ import annotations

from typing import Any

import pytest

from tests.support import login as odoo_login
from tests.support import rpc
from tests.test_api_envelope import assert_error

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


async def test_a_logged_in_browser_calls_the_rest_api(client: Any) -> None:
    info = await odoo_login(client, "manager")          # the client keeps the session cookie
    response = await client.get("/api/v1/auth/me")
    body = await response.json()
    assert response.status == 200, body
    assert body["data"]["id"] == info["uid"] and body["data"]["login"] == "manager"
    products = await client.get("/api/v1/products", params={"per_page": 5})
    assert products.status == 200 and len((await products.json())["data"]) == 5
    # no token family: none of the listed sessions is "current"
    sessions = await (await client.get("/api/v1/auth/sessions")).json()
    assert all(not s["current"] for s in sessions["data"])


@pytest.mark.parametrize("headers,status", [
    ({"Content-Type": "application/x-www-form-urlencoded"}, 401),   # what a form can send
    ({"Content-Type": "text/plain"}, 401),
    ({"Content-Type": "application/json"}, 422),                     # past auth: body checked
    ({"Content-Type": "text/plain", "X-Requested-With": "XMLHttpRequest"}, 415),
])
async def test_state_changes_by_cookie_must_not_be_form_posts(client: Any, headers: dict[str, str],
                                                              status: int) -> None:
    await odoo_login(client, "manager")
    response = await client.post("/api/v1/orders", data=b"{}", headers=headers)
    assert response.status == status, await response.text()


async def test_a_bearer_header_wins_over_the_cookie(client: Any) -> None:
    await odoo_login(client, "manager")
    response = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nope"})
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


async def test_no_or_a_dead_session_is_401(client: Any) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.status == 401
    client.session.cookie_jar.update_cookies({"session_id": "0" * 40})
    response = await client.get("/api/v1/auth/me")
    assert response.status == 401


async def test_logout_by_cookie_ends_the_odoo_session(client: Any) -> None:
    await odoo_login(client, "manager")
    response = await client.post("/api/v1/auth/logout", json={})
    assert response.status == 200
    assert (await client.get("/api/v1/auth/me")).status == 401
    info = await rpc(client, "/web/session/get_session_info")
    assert "error" in info or not info["result"].get("uid")
