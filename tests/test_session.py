"""/web/session/*: login, session info, check, destroy, and the session id rotation."""
from __future__ import annotations

from typing import Any

from tests.support import assert_odoo_error, call_kw, login, result, rpc

SESSION_INFO_KEYS = {
    "uid", "is_system", "is_admin", "user_context", "db", "server_version",
    "server_version_info", "support_url", "name", "username", "partner_display_name",
    "partner_id", "web.base.url", "active_ids_limit", "max_file_upload_size", "home_action_id",
    "currencies", "bundle_params", "user_companies", "show_effect",
    "display_switch_company_menu",
}


async def test_authenticate_answers_session_info_and_sets_cookie(client: Any) -> None:
    response = await client.post("/web/session/authenticate", json={
        "jsonrpc": "2.0", "method": "call", "id": 4,
        "params": {"db": "gateway", "login": "admin", "password": "admin"}})
    assert response.status == 200
    cookie = response.cookies["session_id"]
    assert len(cookie.value) == 40 and int(cookie.value, 16) >= 0
    assert cookie["httponly"] and cookie["max-age"] == "604800"
    body = await response.json()
    info = body["result"]
    assert body["id"] == 4
    assert SESSION_INFO_KEYS <= set(info)
    assert info["uid"] == 2 and info["username"] == "admin" and info["is_system"] is True
    assert info["server_version_info"][:2] == [17, 0]
    companies = info["user_companies"]
    assert str(companies["current_company"]) in companies["allowed_companies"]
    assert info["user_context"]["uid"] == 2


async def test_wrong_password_is_access_denied(client: Any) -> None:
    body = await rpc(client, "/web/session/authenticate",
                     {"db": "gateway", "login": "admin", "password": "nope"})
    assert_odoo_error(body, "odoo.exceptions.AccessDenied", message="Access Denied")


async def test_unknown_database_is_access_error(client: Any) -> None:
    body = await rpc(client, "/web/session/authenticate",
                     {"db": "no_such_db", "login": "admin", "password": "admin"})
    assert_odoo_error(body, "odoo.exceptions.AccessError", message="Database not found.")


async def test_call_kw_without_session_is_session_expired(client: Any) -> None:
    body = await call_kw(client, "res.partner", "search_read", [[]], {"limit": 1})
    assert body["id"] is None
    assert_odoo_error(body, "odoo.http.SessionExpiredException", code=100,
                      message="Session expired")


async def test_session_lifecycle(client: Any) -> None:
    await login(client)
    info = result(await rpc(client, "/web/session/get_session_info"))
    assert info["uid"] == 2
    assert "result" not in await rpc(client, "/web/session/check")
    destroyed = await rpc(client, "/web/session/destroy")
    assert "result" not in destroyed and "error" not in destroyed
    body = await call_kw(client, "res.partner", "search_count", [[]])
    assert_odoo_error(body, "odoo.http.SessionExpiredException", code=100)


async def test_login_rotates_the_session_id(client: Any) -> None:
    await login(client, "waiter")
    before = client.session.cookie_jar.filter_cookies(client.make_url("/"))["session_id"].value
    await login(client, "manager")
    after = client.session.cookie_jar.filter_cookies(client.make_url("/"))["session_id"].value
    assert before != after
    # the old id is gone from the store: presenting it again is an anonymous session
    client.session.cookie_jar.clear()
    for sid, expected in ((before, "error"), (after, "result")):
        body = await call_kw(client, "res.partner", "search_count", [[]],
                             headers={"Cookie": f"session_id={sid}"})
        assert expected in body, body


async def test_version_info_and_database_list(client: Any) -> None:
    version = result(await rpc(client, "/web/webclient/version_info"))
    assert version == {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
                       "server_serie": "17.0", "protocol_version": 1}
    assert result(await rpc(client, "/web/database/list")) == ["gateway"]
