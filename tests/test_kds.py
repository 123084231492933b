"""The kitchen display's REST side and its page: the open orders of a restaurant for whoever
may hear its kitchen channel (404 for anyone else), one dish moved at a time (the model's
rules, a ``kitchen_update`` per change), and the page served with its security headers."""
from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.pos_support import bus_events, demo_till
from tests.test_api_envelope import assert_error
from tests.test_api_products import token

SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
ORDER_KEYS = {"id", "name", "table", "waiter", "date_order", "age_seconds", "kitchen_status",
              "note", "lines"}
LINE_KEYS = {"id", "product", "product_id", "qty", "note", "kitchen_status"}


async def call(client: Any, method: str, path: str, login: str, json: Any = None,
               status: int = 200) -> dict[str, Any]:
    response = await client.request(method, path, headers=await token(client, login), json=json)
    body = await response.json()
    assert response.status == status, body
    return body


async def new_order(client: Any, till: Any, note: str | None = None,
                    lines: int = 2) -> dict[str, Any]:
    """An order taken by the waiter on the first table (a draft: the kitchen cooks it)."""
    body = {"uuid": str(uuid.uuid4()), "table_id": till.tables[0], "lines": [
        {"product_id": till.product(index)["id"], "qty": index + 1,
         "note": "no onions" if index == 0 else None} for index in range(lines)]}
    if note is not None:
        body["note"] = note
    return (await call(client, "POST", "/api/v1/orders", "waiter", body, status=201))["data"]


def kitchen_path(company_id: int) -> str:
    return f"/api/v1/kitchen/{company_id}/orders"


def order_path(company_id: int, order_id: int) -> str:
    return f"/api/v1/kitchen/{company_id}/orders/{order_id}/status"


async def test_open_orders_as_the_kitchen_sees_them(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    first = await new_order(client, till, note="table by the window <b>")
    second = await new_order(client, till, lines=1)
    answer = await call(client, "GET", kitchen_path(till.company_id), "kitchen")
    orders = answer["data"]
    assert answer["meta"] == {"count": len(orders)}
    by_id = {order["id"]: order for order in orders}
    card = by_id[first["id"]]
    assert set(card) == ORDER_KEYS
    assert card["name"] == first["name"]
    assert card["table"]["id"] == till.tables[0] and card["table"]["name"]
    assert card["waiter"]["name"]
    assert card["kitchen_status"] == "new" and card["note"] == "table by the window <b>"
    assert isinstance(card["age_seconds"], int) and card["age_seconds"] >= 0
    assert card["date_order"].endswith("Z")
    assert [set(line) for line in card["lines"]] == [LINE_KEYS, LINE_KEYS]
    assert [(line["product_id"], line["qty"], line["note"], line["kitchen_status"])
            for line in card["lines"]] == [
        (till.product(0)["id"], 1, "no onions", "new"), (till.product(1)["id"], 2, None, "new")]
    assert card["lines"][0]["product"] == till.product(0)["name"]
    # oldest first; nothing served, cancelled or from a closed session
    assert [o["date_order"] for o in orders] == sorted(o["date_order"] for o in orders)
    assert list(by_id).index(first["id"]) < list(by_id).index(second["id"])
    assert {o["kitchen_status"] for o in orders} <= {"new", "preparing", "ready"}

    async def closed_or_cancelled(env: Any) -> set[int]:
        sudo = env.sudo()
        return set(await sudo["pos.order"].search(
            ["|", ("state", "=", "cancel"), ("session_id.state", "=", "closed"),
             ("company_id", "=", till.company_id)]))
    assert not set(by_id) & await orm.run(closed_or_cancelled)


async def test_served_and_cancelled_orders_leave_the_list(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    served = await new_order(client, till)
    cancelled = await new_order(client, till)
    kept = await new_order(client, till)
    await call(client, "POST", order_path(till.company_id, served["id"]), "kitchen",
               {"kitchen_status": "served"})
    await call(client, "POST", f"/api/v1/orders/{cancelled['id']}/status", "waiter",
               {"status": "cancel"})
    ids = {o["id"] for o in (await call(client, "GET", kitchen_path(till.company_id),
                                        "kitchen"))["data"]}
    assert kept["id"] in ids and not ids & {served["id"], cancelled["id"]}


@pytest.mark.parametrize("login", ["sushi.kitchen", "sushi.waiter", "porto.manager"])
async def test_another_restaurants_staff_get_404(client: Any, orm: Any, login: str) -> None:
    till = await demo_till(orm)
    answer = await call(client, "GET", kitchen_path(till.company_id), login, status=404)
    assert_error(answer, "NOT_FOUND")


@pytest.mark.parametrize("path", ["/api/v1/kitchen/999999/orders",
                                  "/api/v1/kitchen/2147483648/orders"])
async def test_unknown_restaurant_is_404(client: Any, path: str) -> None:
    assert_error(await call(client, "GET", path, "kitchen", status=404), "NOT_FOUND")


async def test_a_token_is_needed(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    response = await client.get(kitchen_path(till.company_id))
    assert response.status == 401
    response = await client.post("/api/v1/orders/1/lines/1/status",
                                 json={"kitchen_status": "ready"})
    assert response.status == 401


@pytest.mark.parametrize("login", ["kitchen", "waiter"])
async def test_staff_move_one_line(client: Any, orm: Any, login: str) -> None:
    till = await demo_till(orm)
    order = await new_order(client, till)
    first, second = (line["id"] for line in order["lines"])
    path = f"/api/v1/orders/{order['id']}/lines/{first}/status"
    answer = await call(client, "POST", path, login, {"kitchen_status": "preparing"})
    card = answer["data"]
    assert set(card) == ORDER_KEYS and card["id"] == order["id"]
    assert [line["kitchen_status"] for line in card["lines"]] == ["preparing", "new"]
    assert card["kitchen_status"] == "new"        # the least advanced of its lines
    await call(client, "POST", f"/api/v1/orders/{order['id']}/lines/{second}/status", login,
               {"kitchen_status": "ready"})
    card = (await call(client, "POST", path, login, {"kitchen_status": "ready"}))["data"]
    assert card["kitchen_status"] == "ready"
    events = [e["payload"] for e in await bus_events(orm, "kitchen_update")
              if e["payload"]["order_id"] == order["id"]]
    assert {(e["line_id"], e["new_status"]) for e in events} >= {
        (first, "preparing"), (second, "ready"), (first, "ready"), (None, "ready")}


async def test_moving_back_is_for_managers(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    order = await new_order(client, till, lines=1)
    path = f"/api/v1/orders/{order['id']}/lines/{order['lines'][0]['id']}/status"
    await call(client, "POST", path, "kitchen", {"kitchen_status": "ready"})
    await call(client, "POST", path, "kitchen", {"kitchen_status": "preparing"}, status=400)
    card = (await call(client, "POST", path, "manager", {"kitchen_status": "preparing"}))["data"]
    assert card["lines"][0]["kitchen_status"] == "preparing"


async def test_the_kitchen_moves_a_whole_order(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    order = await new_order(client, till)
    first = order["lines"][0]["id"]
    await call(client, "POST", f"/api/v1/orders/{order['id']}/lines/{first}/status", "kitchen",
               {"kitchen_status": "ready"})
    answer = await call(client, "POST", order_path(till.company_id, order["id"]), "kitchen",
                        {"kitchen_status": "preparing"})
    card = answer["data"]
    assert set(card) == ORDER_KEYS and card["kitchen_status"] == "preparing"
    # a line already further along stays where it is
    assert [line["kitchen_status"] for line in card["lines"]] == ["ready", "preparing"]
    events = [e["payload"] for e in await bus_events(orm, "kitchen_update")
              if e["payload"]["order_id"] == order["id"]]
    assert (None, "new", "preparing") in {
        (e["line_id"], e["old_status"], e["new_status"]) for e in events}


async def test_the_kitchen_uses_the_orders_own_status_route(client: Any, orm: Any) -> None:
    """Kitchen staff may not read payments: the order's answer lists none for them instead
    of refusing the whole move (it did: 403 and a rolled-back change)."""
    till = await demo_till(orm)
    order = await new_order(client, till)
    answer = await call(client, "POST", f"/api/v1/orders/{order['id']}/status", "kitchen",
                        {"kitchen_status": "ready"})
    assert answer["data"]["kitchen_status"] == "ready" and answer["data"]["payments"] == []


async def test_a_whole_order_of_another_restaurant_is_404(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    sushi = await demo_till(orm, "sushi.waiter")
    order = await new_order(client, till, lines=1)
    for company_id, login in ((till.company_id, "sushi.kitchen"),
                              (sushi.company_id, "sushi.kitchen"),
                              (sushi.company_id, "kitchen")):
        answer = await call(client, "POST", order_path(company_id, order["id"]), login,
                            {"kitchen_status": "ready"}, status=404)
        assert_error(answer, "NOT_FOUND")
    card = (await call(client, "GET", f"/api/v1/orders/{order['id']}", "waiter"))["data"]
    assert card["kitchen_status"] == "new"


@pytest.mark.parametrize("route", ["line", "order"])
@pytest.mark.parametrize("body, field", [
    ({"kitchen_status": "burnt"}, "kitchen_status"),
    ({"kitchen_status": None}, "kitchen_status"),
    ({}, "kitchen_status"),
    ({"kitchen_status": 3}, "kitchen_status"),
    ({"kitchen_status": "ready", "status": "paid"}, "status"),
])
async def test_invalid_kitchen_status_is_422(client: Any, orm: Any, route: str,
                                             body: dict[str, Any], field: str) -> None:
    till = await demo_till(orm)
    order = await new_order(client, till, lines=1)
    path = order_path(till.company_id, order["id"]) if route == "order" else \
        f"/api/v1/orders/{order['id']}/lines/{order['lines'][0]['id']}/status"
    error = assert_error(await call(client, "POST", path, "kitchen", body, status=422),
                         "VALIDATION_ERROR")
    assert field in error["field_errors"]


async def test_lines_of_other_orders_and_restaurants_are_404(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    order = await new_order(client, till, lines=1)
    other = await new_order(client, till, lines=1)
    line = order["lines"][0]["id"]
    wrong = f"/api/v1/orders/{other['id']}/lines/{line}/status"
    await call(client, "POST", wrong, "kitchen", {"kitchen_status": "ready"}, status=404)
    path = f"/api/v1/orders/{order['id']}/lines/{line}/status"
    await call(client, "POST", path, "sushi.kitchen", {"kitchen_status": "ready"}, status=404)
    card = (await call(client, "GET", f"/api/v1/orders/{order['id']}", "waiter"))["data"]
    assert card["lines"][0]["kitchen_status"] == "new"


# -- the page ---------------------------------------------------------------------------------

@SQLITE
async def test_the_page_and_its_files_carry_the_security_headers(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    response = await client.get(f"/kds/{till.company_id}")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self' ws: wss:" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # nothing from another origin, no inline script
    assert sorted(re.findall(r'(?:src|href)="([^"]+)"', html)) == [
        "/kds/static/kds.css", "/kds/static/kds.js", "/pages/static/session.js",
        "data:,"]                                                    # data: no favicon fetch
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    for path, kind in (("/kds/static/kds.js", "text/javascript"),
                       ("/kds/static/kds.css", "text/css"),
                       ("/pages/static/session.js", "text/javascript")):
        asset = await client.get(path)
        assert asset.status == 200 and asset.content_type == kind
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        text = await asset.text()
        assert "http://" not in text and "https://" not in text
        assert not re.search(r"\.(inner|outer)HTML\s*[+]?=|insertAdjacentHTML|document\.write|"
                             r"\beval\(", text)


@SQLITE
@pytest.mark.parametrize("path", ["/kds/static/kds.html", "/kds/static/../kds.py",
                                  "/kds/static/nope.js", "/kds/abc"])
async def test_nothing_else_is_served_under_kds(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
