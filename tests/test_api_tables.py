"""REST floor plan, table status and reservations: the caller's restaurant only, the
model's status rules (409 when illegal) and overlap check (409, nothing written)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.test_api_envelope import assert_error
from tests.test_api_products import get, token
from tests.test_restaurant import Demo, demo, open_order  # noqa: F401

SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
DAY = "2031-05-01"


async def call(client: Any, method: str, path: str, login: str | None, json: Any = None,
               status: int = 200) -> dict[str, Any]:
    headers = await token(client, login) if login else {}
    response = await client.request(method, path, headers=headers, json=json)
    body = await response.json()
    assert response.status == status, body
    return body


def booking(table: int, start: str = "19:00", end: str = "21:00", **extra: Any) -> dict[str, Any]:
    return {"table_id": table, "name": "Rossi", "phone": "+39 333 000", "covers": 2,
            "start": f"{DAY}T{start}:00Z", "end": f"{DAY}T{end}:00Z", **extra}


async def count(orm: Any) -> int:
    return await orm.run(lambda env: env["restaurant.reservation"].search_count([]))


# -- floor plan -------------------------------------------------------------------------------

async def test_floor_plan_shows_tables_status_and_open_bills(client: Any, orm: Any,
                                                             demo: Demo) -> None:  # noqa: F811
    table = demo.a.free_tables[0]
    order = await open_order(orm, demo.a, table, [(demo.a.products[0], 2)], guests=3)
    body = await get(client, "/api/v1/restaurant/floor_plan", await token(client, "waiter"))
    floors = body["data"]
    assert floors and body["meta"] == {"count": len(floors)}
    tables = {t["id"]: t for floor in floors for t in floor["tables"]}
    ours = await orm.run(lambda env: env["restaurant.table"].search(
        [("floor_id", "!=", False)]), login="waiter")
    assert set(tables) == set(ours)
    shown = tables[table]
    assert shown["status"] == "occupied" and shown["open_orders"] == 1
    (expected,) = await orm.run(lambda env: env["pos.order"].read(
        [order], ["name", "amount_total", "user_id"]), login="waiter")
    assert shown["open_order"]["id"] == order and shown["open_order"]["guests"] == 3
    assert shown["open_order"]["name"] == expected["name"]
    assert shown["open_order"]["amount_total"] == expected["amount_total"]
    assert shown["open_order"]["waiter"]["id"] == demo.a.users["waiter"]
    assert set(shown["position"]) == {"x", "y"} and set(shown["size"]) == {"width", "height"}
    assert shown["shape"] in ("square", "round") and shown["seats"] >= 1
    assert tables[demo.a.free_tables[1]]["open_order"] is None

    sushi = await get(client, "/api/v1/restaurant/floor_plan", await token(client,
                                                                           "sushi.waiter"))
    sushi_tables = {t["id"] for floor in sushi["data"] for t in floor["tables"]}
    assert not sushi_tables & set(tables)


@SQLITE
@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/restaurant/floor_plan"), ("GET", "/api/v1/restaurant/reservations"),
    ("POST", "/api/v1/restaurant/reservations"), ("GET", "/api/v1/restaurant/reservations/1"),
    ("PATCH", "/api/v1/restaurant/reservations/1"),
    ("POST", "/api/v1/restaurant/reservations/1/cancel"),
    ("POST", "/api/v1/restaurant/tables/1/status"),
])
async def test_a_token_is_needed(client: Any, method: str, path: str) -> None:
    body = await call(client, method, path, None, {"status": "cleaning"}, status=401)
    assert_error(body, "AUTHENTICATION_FAILED")


# -- table status -----------------------------------------------------------------------------

async def test_table_status_by_hand(client: Any, orm: Any, demo: Demo) -> None:  # noqa: F811
    table = demo.a.free_tables[0]
    path = f"/api/v1/restaurant/tables/{table}/status"
    body = await call(client, "POST", path, "waiter", {"status": "cleaning"})
    assert body["data"]["status"] == "cleaning"
    body = await call(client, "POST", path, "waiter", {"status": "available"})
    assert body["data"]["status"] == "available"
    for status in ("occupied", "reserved"):      # they follow orders and bookings
        answer = await call(client, "POST", path, "waiter", {"status": status}, status=409)
        assert_error(answer, "INVALID_STATE_TRANSITION")
    await open_order(orm, demo.a, table, [(demo.a.products[0], 1)])
    answer = await call(client, "POST", path, "waiter", {"status": "available"}, status=409)
    assert "open order" in assert_error(answer, "INVALID_STATE_TRANSITION")["message"]
    stored = await orm.run(lambda env: env["restaurant.table"].read([table], ["status"]))
    assert stored[0]["status"] == "occupied"
    # the kitchen does not set tables
    answer = await call(client, "POST", f"/api/v1/restaurant/tables/{demo.a.free_tables[1]}"
                        "/status", "kitchen", {"status": "cleaning"}, status=403)
    assert_error(answer, "FORBIDDEN")


@SQLITE
@pytest.mark.parametrize("body, field", [
    ({}, "status"), ({"status": "dirty"}, "status"), ({"status": 1}, "status"),
    ({"status": "cleaning", "table": 1}, "table"),
])
async def test_table_status_validation(client: Any, demo: Demo, body: dict[str, Any],  # noqa: F811
                                       field: str) -> None:
    answer = await call(client, "POST", f"/api/v1/restaurant/tables/{demo.a.free_tables[0]}"
                        "/status", "waiter", body, status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}


@SQLITE
@pytest.mark.parametrize("login", ["sushi.waiter", "porto.waiter"])
async def test_other_restaurants_tables_are_404(client: Any, orm: Any, demo: Demo,  # noqa: F811
                                                login: str) -> None:
    table = demo.a.free_tables[0]
    for path in (f"/api/v1/restaurant/tables/{table}/status",
                 "/api/v1/restaurant/tables/99999999999999999/status"):
        answer = await call(client, "POST", path, login, {"status": "cleaning"}, status=404)
        assert_error(answer, "NOT_FOUND")
    stored = await orm.run(lambda env: env["restaurant.table"].read([table], ["status"]))
    assert stored[0]["status"] == "available"


# -- reservations -----------------------------------------------------------------------------

async def test_reservation_life(client: Any, orm: Any, demo: Demo) -> None:  # noqa: F811
    table, other = demo.a.free_tables[:2]
    body = await call(client, "POST", "/api/v1/restaurant/reservations", "waiter",
                      booking(table, note="window seat"), status=201)
    made = body["data"]
    assert made["table"]["id"] == table and made["covers"] == 2 and made["status"] == "confirmed"
    assert made["start"] == f"{DAY}T19:00:00Z" and made["end"] == f"{DAY}T21:00:00Z"
    assert made["name"] == "Rossi" and made["note"] == "window seat"
    one = await call(client, "GET", f"/api/v1/restaurant/reservations/{made['id']}", "waiter")
    assert one["data"] == made

    # local times (no offset) are the restaurant's: Europe/Rome is UTC+2 in May
    await orm.run(lambda env: env["res.company"].write([demo.a.company], {"tz": "Europe/Rome"}))
    body = await call(client, "POST", "/api/v1/restaurant/reservations", "waiter", {
        "table_id": other, "name": "Bianchi", "start": f"{DAY}T20:00:00",
        "duration_minutes": 90, "status": "requested"}, status=201)
    local = body["data"]
    assert local["start"] == f"{DAY}T18:00:00Z" and local["end"] == f"{DAY}T19:30:00Z"
    assert local["status"] == "requested" and local["covers"] == 2

    body = await call(client, "PATCH", f"/api/v1/restaurant/reservations/{local['id']}",
                      "waiter", {"covers": 1, "duration_minutes": 30, "status": "confirmed"})
    assert body["data"]["covers"] == 1 and body["data"]["end"] == f"{DAY}T18:30:00Z"
    assert body["data"]["status"] == "confirmed"

    body = await call(client, "POST", f"/api/v1/restaurant/reservations/{local['id']}/cancel",
                      "waiter")
    assert body["data"]["status"] == "cancelled"
    # seated guests cannot be cancelled
    await call(client, "PATCH", f"/api/v1/restaurant/reservations/{made['id']}", "waiter",
               {"status": "seated"})
    answer = await call(client, "POST", f"/api/v1/restaurant/reservations/{made['id']}/cancel",
                        "waiter", status=409)
    assert_error(answer, "INVALID_STATE_TRANSITION")


async def test_reservation_listing_filters(client: Any, orm: Any,
                                           demo: Demo) -> None:  # noqa: F811
    t1, t2 = demo.a.free_tables[:2]
    await orm.run(lambda env: env["res.company"].write([demo.a.company], {"tz": "Asia/Tokyo"}))
    ids = []
    for table, start, end in ((t1, "10:00", "11:00"), (t2, "11:00", "12:00"),
                              (t1, "18:00", "19:00")):
        body = await call(client, "POST", "/api/v1/restaurant/reservations", "waiter",
                          booking(table, start, end), status=201)
        ids.append(body["data"]["id"])
    await call(client, "POST", f"/api/v1/restaurant/reservations/{ids[1]}/cancel", "waiter")
    sushi_table = demo.b.free_tables[0]
    await call(client, "POST", "/api/v1/restaurant/reservations", "sushi.waiter",
               booking(sushi_table), status=201)

    headers = await token(client, "waiter")
    everything = await get(client, "/api/v1/restaurant/reservations", headers, per_page=100)
    mine = [r["id"] for r in everything["data"] if r["id"] in ids]
    assert mine == ids and everything["meta"]["pagination"]["total"] == len(everything["data"])
    assert all(r["table"]["id"] != sushi_table for r in everything["data"])
    by_table = await get(client, "/api/v1/restaurant/reservations", headers, table_id=t1,
                         per_page=100)
    assert {r["table"]["id"] for r in by_table["data"]} == {t1}
    assert [r["id"] for r in by_table["data"] if r["id"] in ids] == [ids[0], ids[2]]
    response = await client.get("/api/v1/restaurant/reservations", headers=headers,
                                params={"status": "cancelled", "per_page": 100})
    cancelled = await response.json()
    assert {r["status"] for r in cancelled["data"]} == {"cancelled"}
    assert [r["id"] for r in cancelled["data"] if r["id"] in ids] == [ids[1]]
    # 18:00 UTC is 03:00 the next day in Tokyo
    day = await get(client, "/api/v1/restaurant/reservations", headers, date=DAY)
    assert [r["id"] for r in day["data"]] == ids[:2]
    next_day = await get(client, "/api/v1/restaurant/reservations", headers, date="2031-05-02")
    assert [r["id"] for r in next_day["data"]] == [ids[2]]
    paged = await get(client, "/api/v1/restaurant/reservations", headers, date=DAY, per_page=1,
                      page=2, sort="-start")
    assert [r["id"] for r in paged["data"]] == [ids[0]]
    assert paged["meta"]["pagination"]["prev"] == 1 and paged["meta"]["pagination"]["total"] == 2


@SQLITE
@pytest.mark.parametrize("params, field", [
    ({"date": "01/05/2031"}, "date"), ({"status": "gone"}, "status"),
    ({"table_id": "x"}, "table_id"), ({"sort": "name"}, "sort"), ({"per_page": 0}, "per_page"),
    ({"guest": "Rossi"}, "guest"),
])
async def test_reservation_listing_validation(client: Any, params: dict[str, Any],
                                              field: str) -> None:
    response = await client.get("/api/v1/restaurant/reservations",
                                params=params, headers=await token(client, "waiter"))
    assert response.status == 422
    body = await response.json()
    assert set(assert_error(body, "VALIDATION_ERROR")["field_errors"]) == {field}


async def test_overlapping_booking_is_409_and_writes_nothing(client: Any, orm: Any,
                                                             demo: Demo) -> None:  # noqa: F811
    table = demo.a.free_tables[0]
    first = (await call(client, "POST", "/api/v1/restaurant/reservations", "waiter",
                        booking(table), status=201))["data"]
    before = await count(orm)
    answer = await call(client, "POST", "/api/v1/restaurant/reservations", "manager",
                        booking(table, "20:00", "22:00", name="Verdi"), status=409)
    error = assert_error(answer, "CONFLICT")
    assert f"reservation {first['id']}" in error["message"] and "19:00" in error["message"]
    assert await count(orm) == before
    # moving another booking onto the slot: refused, and the booking stays where it was
    other = (await call(client, "POST", "/api/v1/restaurant/reservations", "waiter",
                        booking(table, "12:00", "13:00"), status=201))["data"]
    answer = await call(client, "PATCH", f"/api/v1/restaurant/reservations/{other['id']}",
                        "waiter", {"start": f"{DAY}T18:30:00Z"}, status=409)
    assert_error(answer, "CONFLICT")
    kept = await call(client, "GET", f"/api/v1/restaurant/reservations/{other['id']}", "waiter")
    assert kept["data"]["start"] == f"{DAY}T12:00:00Z"
    moved = await call(client, "PATCH", f"/api/v1/restaurant/reservations/{other['id']}",
                       "waiter", {"start": f"{DAY}T14:00:00Z"})    # keeps its hour
    assert moved["data"]["end"] == f"{DAY}T15:00:00Z"
    # a cancelled booking frees its slot
    await call(client, "POST", f"/api/v1/restaurant/reservations/{first['id']}/cancel",
               "waiter")
    await call(client, "POST", "/api/v1/restaurant/reservations", "manager",
               booking(table, "20:00", "22:00", name="Verdi"), status=201)


@SQLITE
@pytest.mark.parametrize("change, field", [
    ({"table_id": None}, "table_id"), ({"table_id": "1"}, "table_id"),
    ({"table_id": 999999}, "table_id"), ({"table_id": "SUSHI_TABLE"}, "table_id"),
    ({"start": None}, "start"), ({"start": "tomorrow"}, "start"),
    ({"start": "2031-05-01"}, "start"), ({"end": "2031-13-01T10:00:00Z"}, "end"),
    ({"end": None}, "end"), ({"end": "2031-05-01T18:00:00Z"}, "end"),
    ({"duration_minutes": 30}, "duration_minutes"),
    ({"end": None, "duration_minutes": 0}, "duration_minutes"),
    ({"end": None, "duration_minutes": 2000}, "duration_minutes"),
    ({"covers": 0}, "covers"), ({"covers": "2"}, "covers"), ({"covers": None}, "covers"),
    ({"covers": 40}, "covers"),
    ({"name": None}, "name"), ({"name": 5}, "name"), ({"phone": "9" * 300}, "phone"),
    ({"partner_id": 0}, "partner_id"), ({"partner_id": 99999999}, "partner_id"),
    ({"status": "seated"}, "status"), ({"capacity_override": "yes"}, "capacity_override"),
    ({"company_id": 1}, "company_id"), ({"guests": 2}, "guests"),
])
async def test_reservation_validation(client: Any, orm: Any, demo: Demo,  # noqa: F811
                                      change: dict[str, Any], field: str) -> None:
    body = booking(demo.a.free_tables[0])
    if change.get("table_id") == "SUSHI_TABLE":
        change = {"table_id": demo.b.free_tables[0]}
    body.update(change)
    before = await count(orm)
    answer = await call(client, "POST", "/api/v1/restaurant/reservations", "waiter", body,
                        status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}
    assert await count(orm) == before


@SQLITE
@pytest.mark.parametrize("change, field", [
    ({}, "body"), ({"start": None}, "start"), ({"covers": 0}, "covers"),
    ({"status": "nope"}, "status"), ({"end": "2031-05-01T18:00:00Z"}, "end"),
])
async def test_reservation_update_validation(client: Any, demo: Demo,  # noqa: F811
                                             change: dict[str, Any], field: str) -> None:
    made = (await call(client, "POST", "/api/v1/restaurant/reservations", "waiter",
                       booking(demo.a.free_tables[0]), status=201))["data"]
    answer = await call(client, "PATCH", f"/api/v1/restaurant/reservations/{made['id']}",
                        "waiter", change, status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}


async def test_over_capacity_needs_a_manager(client: Any, demo: Demo) -> None:  # noqa: F811
    table = demo.a.free_tables[0]
    big = booking(table, covers=40, capacity_override=True)
    answer = await call(client, "POST", "/api/v1/restaurant/reservations", "waiter", big,
                        status=403)
    assert_error(answer, "FORBIDDEN")
    body = await call(client, "POST", "/api/v1/restaurant/reservations", "manager", big,
                      status=201)
    assert body["data"]["covers"] == 40 and body["data"]["capacity_override"] is True


@SQLITE
@pytest.mark.parametrize("login", ["sushi.waiter", "porto.manager"])
async def test_other_restaurants_reservations_are_404(
        client: Any, orm: Any, demo: Demo, login: str) -> None:  # noqa: F811
    made = (await call(client, "POST", "/api/v1/restaurant/reservations", "waiter",
                       booking(demo.a.free_tables[0]), status=201))["data"]
    path = f"/api/v1/restaurant/reservations/{made['id']}"
    for method, url, json in (("GET", path, None), ("PATCH", path, {"covers": 3}),
                              ("POST", f"{path}/cancel", None)):
        answer = await call(client, method, url, login, json, status=404)
        assert_error(answer, "NOT_FOUND")
        assert "Rossi" not in str(answer)
    listed = await get(client, "/api/v1/restaurant/reservations", await token(client, login))
    assert made["id"] not in {r["id"] for r in listed["data"]}
    kept = await call(client, "GET", path, "waiter")
    assert kept["data"]["covers"] == 2 and kept["data"]["status"] == "confirmed"
