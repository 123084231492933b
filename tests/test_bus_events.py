"""The business events nothing emitted before: logins and logouts on every face,
restaurant status, refused payments, system notifications. Each is written on the
channels ``models.bus.EVENTS`` names, with the payload models/bus.py documents,
once per action, and only if the action committed."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

import orjson
import pytest

from models import bus
from models.bus import BusBus

from tests.pos_support import demo_till
from tests.support import call_kw, login, result, rpc
from tests.test_api_auth import bearer
from tests.test_api_auth import login as api_login
from tests.test_api_envelope import assert_error
from tests.test_api_pin import set_pin, uid_of


# -- reading the bus ---------------------------------------------------------------------

async def newest(orm: Any) -> int:
    return await orm.run(lambda env: bus.newest_id(env.cr), readonly=True)


async def since(orm: Any, mark: int, event_type: str | None = None) -> list[dict[str, Any]]:
    """``{channel, type, payload}`` written after ``mark``, oldest first."""
    async def read(env: Any) -> list[tuple[str, str]]:
        return await env.cr.rows(BusBus.select(BusBus.channel, BusBus.message)
                                 .where(BusBus.id > mark).order_by(BusBus.id))
    events = [{"channel": channel, **orjson.loads(message)}
              for channel, message in await orm.run(read, readonly=True)]
    return [e for e in events if event_type is None or e["type"] == event_type]


def channels_of(event_type: str, company_id: int) -> list[str]:
    return [bus.restaurant_channel(company_id, role or None) for role in bus.EVENTS[event_type]]


def assert_sent(events: list[dict[str, Any]], event_type: str,
                payloads: dict[int, dict[str, Any]]) -> None:
    """Exactly one ``event_type`` per restaurant of ``payloads``, on its channels."""
    expected = sorted((channel, orjson.dumps(dict(payload, company_id=company_id)).decode())
                      for company_id, payload in payloads.items()
                      for channel in channels_of(event_type, company_id))
    found = sorted((e["channel"], orjson.dumps(e["payload"]).decode())
                   for e in events if e["type"] == event_type)
    assert found == expected


async def companies_of(orm: Any, login_name: str) -> tuple[int, ...]:
    uid = await uid_of(orm, login_name)
    user = await orm.run(lambda env: env["res.users"]._user_info(uid))
    return user.company_ids


async def xmlid(orm: Any, name: str) -> int:
    return await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(name))


# -- user_login / user_logout --------------------------------------------------------------

Action = Callable[[Any, Any], Awaitable[None]]


async def web_login(client: Any, orm: Any) -> None:
    await login(client, "waiter")


async def web_destroy(client: Any, orm: Any) -> None:
    await login(client, "waiter")
    mark = await newest(orm)
    result(await rpc(client, "/web/session/destroy"))
    client.mark = mark


async def web_logout(client: Any, orm: Any) -> None:
    await login(client, "waiter")
    client.mark = await newest(orm)
    response = await client.get("/web/session/logout", allow_redirects=False)
    assert response.status == 303


async def api_login_action(client: Any, orm: Any) -> None:
    await api_login(client, "waiter")


async def api_logout(client: Any, orm: Any) -> None:
    tokens = await api_login(client, "waiter")
    client.mark = await newest(orm)
    response = await client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert response.status == 200, await response.text()


async def api_logout_by_cookie(client: Any, orm: Any) -> None:
    await login(client, "waiter")
    client.mark = await newest(orm)
    response = await client.post("/api/v1/auth/logout", json={"all": True})
    assert response.status == 200, await response.text()


async def pin_login(client: Any, orm: Any) -> None:
    waiter = await set_pin(orm, "waiter", "4711")
    device = bearer((await api_login(client, "manager"))["access_token"])
    client.mark = await newest(orm)
    response = await client.post("/api/v1/auth/pin", json={"user_id": waiter, "pin": "4711"},
                                 headers=device)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("action,event_type,via", [
    (web_login, "user_login", "web"),
    (web_destroy, "user_logout", "web"),
    (web_logout, "user_logout", "web"),
    (api_login_action, "user_login", "api"),
    (api_logout, "user_logout", "api"),
    (api_logout_by_cookie, "user_logout", "api"),
    (pin_login, "user_login", "pin"),
])
async def test_sessions_are_told_to_the_managers(client: Any, orm: Any, action: Action,
                                                 event_type: str, via: str) -> None:
    client.mark = await newest(orm)
    await action(client, orm)
    uid = await uid_of(orm, "waiter")
    user = await orm.run(lambda env: env["res.users"]._user_info(uid))
    events = await since(orm, client.mark)
    payload = {"user_id": uid, "name": user.name, "login": "waiter", "via": via}
    assert_sent(events, event_type, {company: payload for company in user.company_ids})
    assert all(e["channel"].endswith(":management") for e in events
               if e["type"] in ("user_login", "user_logout"))
    other = "user_logout" if event_type == "user_login" else "user_login"
    assert not [e for e in events if e["type"] == other]


async def test_a_login_stamps_login_date(client: Any, orm: Any) -> None:
    await api_login(client, "waiter")
    uid = await uid_of(orm, "waiter")
    (row,) = await orm.run(lambda env: env["res.users"].read([uid], ["login_date"]))
    assert row["login_date"]


async def test_a_platform_owner_is_announced_in_their_own_companies_only(
        client: Any, orm: Any) -> None:
    mark = await newest(orm)
    await api_login(client, "owner")
    own = await companies_of(orm, "owner")
    events = await since(orm, mark, "user_login")
    assert {bus.parse_restaurant_channel(e["channel"])[0] for e in events} == set(own)


async def test_a_rolled_back_login_writes_nothing(orm: Any) -> None:
    mark = await newest(orm)
    uid = await uid_of(orm, "waiter")

    async def fail(env: Any) -> None:
        await env["res.users"]._notify_session(uid, "user_login", "api")
        assert [message["type"] for _channel, message in bus.pending(env.cr)] == ["user_login"]
        raise RuntimeError("the login's own write failed")

    with pytest.raises(RuntimeError):
        await orm.run(fail)
    assert await since(orm, mark) == []
    (row,) = await orm.run(lambda env: env["res.users"].read([uid], ["login_date"]))
    assert row["login_date"] is False


async def test_failed_logins_and_script_logins_write_nothing(client: Any, orm: Any) -> None:
    mark = await newest(orm)
    response = await client.post("/api/v1/auth/login",
                                 json={"username": "waiter", "password": "wrong"})
    assert response.status == 401
    body = await rpc(client, "/jsonrpc", {"service": "common", "method": "login",
                                          "args": ["gateway", "waiter", "waiter"]})
    assert isinstance(body["result"], int)
    assert await since(orm, mark) == []


# -- restaurant_status ---------------------------------------------------------------------

async def test_the_first_session_opens_the_restaurant_and_the_last_closes_it(
        orm: Any) -> None:
    till = await demo_till(orm, "waiter")
    company = till.company_id
    sessions = await orm.run(lambda env: env["pos.session"].search(
        [("company_id", "=", company), ("state", "!=", "closed")]))
    mark = await newest(orm)
    await orm.run(lambda env: env["pos.session"].write(sessions, {"state": "closed"}))
    events = await since(orm, mark)
    assert_sent(events, "restaurant_status", {company: {
        "status": "closed", "session_id": sessions[-1] if len(sessions) == 1 else
        events[0]["payload"]["session_id"], "reason": "session closed"}})

    mark = await newest(orm)
    new = await orm.run(lambda env: env["pos.session"].create({"config_id": till.config_id}),
                        login="manager")
    assert_sent(await since(orm, mark, "restaurant_status"), "restaurant_status", {company: {
        "status": "open", "session_id": new, "reason": "session opened"}})

    mark = await newest(orm)
    closed = await orm.run(lambda env: env["pos.session"].close_session_from_ui([new]),
                           login="manager")
    assert closed == {"successful": True}
    assert_sent(await since(orm, mark, "restaurant_status"), "restaurant_status", {company: {
        "status": "closed", "session_id": new, "reason": "session closed"}})


async def test_a_second_session_does_not_reopen_an_open_restaurant(orm: Any) -> None:
    till = await demo_till(orm, "waiter")
    mark = await newest(orm)
    # the demo session is open: the restaurant is open already, a closed import says nothing
    await orm.run(lambda env: env["pos.session"].create(
        {"config_id": till.config_id, "state": "closed"}))
    assert await since(orm, mark, "restaurant_status") == []


@pytest.mark.parametrize("active,status,reason", [
    (False, "archived", "restaurant archived"),
    (True, "active", "restaurant restored"),
])
async def test_archiving_and_restoring_a_restaurant(orm: Any, active: bool, status: str,
                                                    reason: str) -> None:
    porto = await xmlid(orm, "gateway_demo.restaurant_porto")
    if active:
        await orm.run(lambda env: env["res.company"].write([porto], {"active": False}))
    mark = await newest(orm)
    await orm.run(lambda env: env["res.company"].write([porto], {"active": active}))
    assert_sent(await since(orm, mark), "restaurant_status", {porto: {
        "status": status, "session_id": None, "reason": reason}})
    mark = await newest(orm)
    await orm.run(lambda env: env["res.company"].write([porto], {"active": active}))
    assert await since(orm, mark) == []      # no change, no news


# -- payment_failed ------------------------------------------------------------------------

async def draft_order(client: Any, headers: dict[str, str], till: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/orders", headers=headers, json={
        "uuid": f"bus-{id(headers)}-{len(till.products)}-{await client_seq(client)}",
        "lines": [{"product_id": till.product(0)["id"], "qty": 2}]})
    body = await response.json()
    assert response.status == 201, body
    return body["data"]


async def client_seq(client: Any) -> int:
    client.seq = getattr(client, "seq", 0) + 1
    return client.seq


@pytest.mark.parametrize("case,status,code", [
    ("unknown method", 422, "VALIDATION_ERROR"),
    ("short", 422, "VALIDATION_ERROR"),
    ("card over", 422, "VALIDATION_ERROR"),
    ("paid", 409, None),
])
async def test_a_refused_payment_is_told_after_the_rollback(client: Any, orm: Any, case: str,
                                                           status: int, code: Any) -> None:
    till = await demo_till(orm, "waiter")
    headers = bearer((await api_login(client, "waiter"))["access_token"])
    order = await draft_order(client, headers, till)
    total = order["amount_total"]
    method, amount = {"unknown method": (999_999, total), "short": (till.card, total - 1),
                      "card over": (till.card, total + 5), "paid": (till.cash, total)}[case]
    if case == "paid":
        response = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers,
                                     json={"payments": [{"payment_method_id": till.cash,
                                                         "amount": total}]})
        assert response.status == 200
    mark = await newest(orm)
    response = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers,
                                 json={"payments": [{"payment_method_id": method,
                                                     "amount": amount}]})
    body = await response.json()
    assert response.status == status, body
    if code:
        assert_error(body, code)
    events = await since(orm, mark)
    assert [e["type"] for e in events] == ["payment_failed"] * len(bus.EVENTS["payment_failed"])
    expected = {"order_id": order["id"],
                "payment_method_id": None if case == "unknown method" else method,
                "amount": amount, "reason": body["error"]["message"]}
    if case == "paid":      # nothing was tendered: the order's validation was refused
        expected.update(payment_method_id=None, amount=total)
        expected["reason"] = events[0]["payload"]["reason"]
        assert "already" in expected["reason"]
    assert_sent(events, "payment_failed", {till.company_id: expected})


async def test_no_payment_failed_for_access_errors_or_malformed_requests(
        client: Any, orm: Any) -> None:
    till = await demo_till(orm, "waiter")
    sushi = await demo_till(orm, "sushi.waiter")
    headers = bearer((await api_login(client, "sushi.waiter"))["access_token"])
    order = await draft_order(client, headers, sushi)
    waiter = bearer((await api_login(client, "waiter"))["access_token"])
    mark = await newest(orm)
    # another restaurant's order: not found, and its id never reaches the bus
    response = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=waiter,
                                 json={"payments": [{"payment_method_id": till.cash,
                                                     "amount": 1}]})
    assert response.status == 404
    # malformed: no payment attempt
    response = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers,
                                 json={"payments": [{"payment_method_id": sushi.cash,
                                                     "amount": "lots"}]})
    assert response.status == 422
    assert await since(orm, mark) == []


async def test_the_odoo_face_reports_refused_payments_too(client: Any, orm: Any) -> None:
    till = await demo_till(orm, "waiter")
    headers = bearer((await api_login(client, "waiter"))["access_token"])
    order = await draft_order(client, headers, till)
    await login(client, "waiter")
    mark = await newest(orm)
    body = await call_kw(client, "pos.order", "add_payment",
                         [[order["id"]], {"payment_method_id": 999_999, "amount": 3.5}])
    assert body["error"]["data"]["name"] == "odoo.exceptions.ValidationError"
    events = await since(orm, mark)
    assert_sent(events, "payment_failed", {till.company_id: {
        "order_id": order["id"], "payment_method_id": None, "amount": 3.5,
        "reason": body["error"]["data"]["message"]}})
    assert {e["type"] for e in events} == {"payment_failed"}


# -- system_notification -------------------------------------------------------------------

async def notify(client: Any, headers: dict[str, str], **body: Any) -> Any:
    response = await client.post("/api/v1/platform/notifications", headers=headers, json=body)
    return response.status, await response.json()


async def test_an_owner_notifies_one_restaurant_or_all(client: Any, orm: Any) -> None:
    owner = bearer((await api_login(client, "owner"))["access_token"])
    owner_id = await uid_of(orm, "owner")
    bistro = await xmlid(orm, "gateway_demo.restaurant_bistro")
    sushi = await xmlid(orm, "gateway_demo.restaurant_sushi")
    mark = await newest(orm)
    status, body = await notify(client, owner, title="Menu update", message="New desserts",
                                level="warning", restaurant_id=sushi)
    assert status == 201 and body["data"] == {"sent_to": [sushi]}, body
    payload = {"title": "Menu update", "message": "New desserts", "level": "warning",
               "sender_id": owner_id}
    assert_sent(await since(orm, mark), "system_notification", {sushi: payload})

    mark = await newest(orm)
    status, body = await notify(client, owner, title="Maintenance", message="Tonight 2am")
    assert status == 201 and sorted(body["data"]["sent_to"]) == sorted([bistro, sushi]), body
    payload = {"title": "Maintenance", "message": "Tonight 2am", "level": "info",
               "sender_id": owner_id}
    assert_sent(await since(orm, mark), "system_notification",
                {bistro: payload, sushi: payload})


async def test_notifications_over_json_rpc(client: Any, orm: Any) -> None:
    await login(client, "harbour.owner")
    porto = await xmlid(orm, "gateway_demo.restaurant_porto")
    mark = await newest(orm)
    answer = result(await call_kw(client, "res.company", "send_system_notification",
                                  ["Heads up", "Inspection tomorrow"],
                                  {"level": "critical"}))
    assert answer == {"sent_to": [porto]}
    assert_sent(await since(orm, mark), "system_notification", {porto: {
        "title": "Heads up", "message": "Inspection tomorrow", "level": "critical",
        "sender_id": await uid_of(orm, "harbour.owner")}})


@pytest.mark.parametrize("login_name,body,status,code,fields", [
    ("waiter", {"title": "x", "message": "y"}, 403, "FORBIDDEN", None),
    ("manager", {"title": "x", "message": "y"}, 403, "FORBIDDEN", None),
    ("owner", {"title": "", "message": "y"}, 422, "VALIDATION_ERROR", {"title"}),
    ("owner", {"title": "   ", "message": "y"}, 422, "VALIDATION_ERROR", {"title"}),
    ("owner", {"title": "x" * 121, "message": "y"}, 422, "VALIDATION_ERROR", {"title"}),
    ("owner", {"title": "x", "message": "y" * 2001}, 422, "VALIDATION_ERROR", {"message"}),
    ("owner", {"title": "x"}, 422, "VALIDATION_ERROR", {"message"}),
    ("owner", {"title": "x", "message": "y", "level": "panic"}, 422, "VALIDATION_ERROR",
     {"level"}),
    ("owner", {"title": 3, "message": "y", "restaurant_id": "1"}, 422, "VALIDATION_ERROR",
     {"title", "restaurant_id"}),
    ("owner", {"title": "x", "message": "y", "colour": "red"}, 422, "VALIDATION_ERROR",
     {"colour"}),
    ("owner", {"title": "x", "message": "y", "restaurant_id": "porto"}, 422,
     "VALIDATION_ERROR", {"restaurant_id"}),
    ("owner", {"title": "x", "message": "y", "restaurant_id": 2_000_000}, 404, "NOT_FOUND",
     None),
])
async def test_notification_refusals(client: Any, orm: Any, login_name: str,
                                     body: dict[str, Any], status: int, code: str,
                                     fields: set[str] | None) -> None:
    headers = bearer((await api_login(client, login_name))["access_token"])
    mark = await newest(orm)
    got, answer = await notify(client, headers, **body)
    assert got == status, answer
    error = assert_error(answer, code)
    if fields is not None:
        assert set(error["field_errors"]) == fields
    assert await since(orm, mark, "system_notification") == []


async def test_an_owner_cannot_reach_another_platforms_restaurant(client: Any,
                                                                  orm: Any) -> None:
    headers = bearer((await api_login(client, "owner"))["access_token"])
    porto = await xmlid(orm, "gateway_demo.restaurant_porto")
    mark = await newest(orm)
    status, answer = await notify(client, headers, title="x", message="y", restaurant_id=porto)
    assert status == 404, answer
    assert_error(answer, "NOT_FOUND")
    assert await since(orm, mark) == []
