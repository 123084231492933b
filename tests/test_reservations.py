"""Reservations: no two bookings of a table overlap (also when they race),
covers within the seats unless a manager says otherwise, the booking's life,
the table shown reserved when a booking is due, and the wall between
restaurants.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from models.exceptions import (AccessError, Conflict, InvalidStateTransition,
                               ValidationError)
from models.restaurant import refresh_reservation_windows
from tests.fronts import ACCESS_ERROR, VALIDATION_ERROR, Fronts, assert_error, assert_ok
from tests.support import call_kw, login as web_login
from tests.test_restaurant import (Demo, changes, demo, events, fronts, last_event_id,  # noqa: F401
                                   open_order, statuses)

HIDDEN = "Due to security restrictions, you are not allowed to"
DAY = "2031-05-01"


def at(hour: str, day: str = DAY) -> str:
    return f"{day} {hour}:00"


def soon(minutes: int) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


async def book(orm: Any, table: int, start: str, end: str | None = None, login: str = "waiter",
               **vals: Any) -> int:
    values = {"table_id": table, "name": "Guest", "phone": "+32 470 00 00 00", "covers": 2,
              "start_datetime": start, **vals}
    if end is not None:
        values["end_datetime"] = end
    return await orm.run(lambda env: env["restaurant.reservation"].create(values), login=login)


async def seats_of(orm: Any, table: int) -> int:
    rows = await orm.run(lambda env: env["restaurant.table"].read([table], ["seats"]))
    return rows[0]["seats"]


# ---------------------------------------------------------------------------
# Overlaps
# ---------------------------------------------------------------------------

#: A booking from 19:00 to 21:00 holds the table; (start, end, other table?, accepted?)
OVERLAPS = [
    ("17:00", "19:00", False, True),     # ends as the other starts
    ("21:00", "23:00", False, True),     # starts as the other ends
    ("18:30", "19:30", False, False),    # overlaps the start
    ("20:30", "22:00", False, False),    # overlaps the end
    ("19:30", "20:00", False, False),    # inside
    ("18:00", "22:00", False, False),    # around
    ("19:00", "21:00", False, False),    # the same slot
    ("19:00", "21:00", True, True),      # the same slot at another table
]


@pytest.mark.parametrize("start, end, other_table, accepted", OVERLAPS)
async def test_overlapping_bookings_of_a_table_are_refused(
        orm: Any, demo: Demo, start: str, end: str, other_table: bool, accepted: bool) -> None:
    t1, t2 = demo.a.free_tables[:2]
    first = await book(orm, t1, at("19:00"), at("21:00"))
    target = t2 if other_table else t1
    if accepted:
        assert await book(orm, target, at(start), at(end)) > first
        return
    with pytest.raises(Conflict, match=f"already booked from {DAY} 19:00 to {DAY} 21:00"):
        await book(orm, target, at(start), at(end))
    # moving an existing booking onto the slot is refused the same way
    other = await book(orm, t1, at("08:00"), at("09:00"))
    with pytest.raises(Conflict, match="already booked"):
        await orm.run(lambda env: env["restaurant.reservation"].write(
            [other], {"start_datetime": at(start), "end_datetime": at(end)}), login="waiter")


async def test_a_cancelled_booking_frees_its_slot(orm: Any, demo: Demo) -> None:
    table = demo.a.free_tables[0]
    first = await book(orm, table, at("19:00"), at("21:00"))
    await orm.run(lambda env: env["restaurant.reservation"].action_cancel([first]),
                  login="waiter")
    second = await book(orm, table, at("20:00"), at("22:00"))
    with pytest.raises(Conflict, match="already booked"):   # reopening it would clash
        await orm.run(lambda env: env["restaurant.reservation"].action_confirm([first]),
                      login="waiter")
    await orm.run(lambda env: env["restaurant.reservation"].action_no_show([second]),
                  login="waiter")
    assert await orm.run(lambda env: env["restaurant.reservation"].action_confirm([first]),
                         login="waiter") is True


async def test_two_bookings_racing_for_one_slot(client: Any, orm: Any, demo: Demo) -> None:
    """Concurrent requests for the same slot: exactly one booking is taken."""
    table = demo.a.free_tables[0]
    await web_login(client, "waiter")
    racers = 6
    answers = await asyncio.gather(*[
        call_kw(client, "restaurant.reservation", "create", [{
            "table_id": table, "name": f"Racer {n}", "covers": 2,
            "start_datetime": at(f"{19 + n % 2}:{'00' if n % 3 else '30'}"),
            "end_datetime": at("21:45")}])
        for n in range(racers)])
    won = [a["result"] for a in answers if "result" in a]
    lost = [a["error"]["data"] for a in answers if "error" in a]
    assert len(won) == 1, answers
    assert len(lost) == racers - 1
    assert all(e["name"] == "odoo.exceptions.ValidationError"
               and "already booked" in e["message"] for e in lost), lost
    held = await orm.run(lambda env: env["restaurant.reservation"].search(
        [("table_id", "=", table), ("status", "in", ["requested", "confirmed", "seated"])]))
    assert held == won


# ---------------------------------------------------------------------------
# Times, covers, guests
# ---------------------------------------------------------------------------

async def test_times_are_utc_and_a_duration_gives_the_end(orm: Any, demo: Demo) -> None:
    table = demo.a.free_tables[0]
    booking = await book(orm, table, "2031-05-01T21:00:00+02:00", duration=1.5)
    (row,) = await orm.run(lambda env: env["restaurant.reservation"].read(
        [booking], ["start_datetime", "end_datetime", "duration", "company_id", "status"]),
        login="waiter")
    assert (row["start_datetime"], row["end_datetime"], row["duration"]) == (
        at("19:00"), at("20:30"), 1.5)
    assert (row["company_id"][0], row["status"]) == (demo.a.company, "confirmed")
    await orm.run(lambda env: env["restaurant.reservation"].write([booking], {"duration": 3}),
                  login="waiter")
    (row,) = await orm.run(lambda env: env["restaurant.reservation"].read(
        [booking], ["end_datetime"]))
    assert row["end_datetime"] == at("22:00")


#: values that must be refused, and the field the error names
BAD_VALUES = [
    ({"end_datetime": at("18:00")}, "end_datetime"),                  # ends before it starts
    ({"end_datetime": at("19:00")}, "end_datetime"),                  # lasts nothing
    ({"end_datetime": None, "duration": None}, "end_datetime"),       # no end at all
    ({"covers": 0}, "covers"),
    ({"name": False, "phone": False}, "name"),                        # nobody
    ({"status": "seated"}, "status"),                                 # born seated
]


@pytest.mark.parametrize("vals, field", BAD_VALUES)
async def test_bad_bookings_are_refused(orm: Any, demo: Demo, vals: dict[str, Any],
                                        field: str) -> None:
    table = demo.a.free_tables[0]
    values = {"end_datetime": at("21:00"), **vals}
    end = values.pop("end_datetime")
    with pytest.raises(ValidationError) as caught:
        await book(orm, table, at("19:00"), end, **values)
    assert field in caught.value.field_errors, caught.value.field_errors


async def test_a_customer_gives_the_guest_name_and_phone(orm: Any, demo: Demo) -> None:
    async def customer(env: Any) -> dict[str, Any]:
        (row,) = await env["res.partner"].search_read([("phone", "!=", False)],
                                                      ["name", "phone"], limit=1)
        return row
    partner = await orm.run(customer, login="waiter")
    booking = await book(orm, demo.a.free_tables[0], at("19:00"), at("20:00"), name=False,
                         phone=False, partner_id=partner["id"])
    (row,) = await orm.run(lambda env: env["restaurant.reservation"].read(
        [booking], ["name", "phone", "display_name"]))
    assert (row["name"], row["phone"], row["display_name"]) == (
        partner["name"], partner["phone"], partner["name"])


#: (who books, covers beyond the seats?, asks for the override?, outcome)
CAPACITY = [
    ("waiter", False, False, "ok"),
    ("waiter", True, False, ValidationError),
    ("waiter", True, True, AccessError),
    ("manager", True, False, ValidationError),
    ("manager", True, True, "ok"),
]


@pytest.mark.parametrize("login, beyond, override, outcome", CAPACITY)
async def test_covers_within_the_seats_unless_a_manager_says(
        orm: Any, demo: Demo, login: str, beyond: bool, override: bool, outcome: Any) -> None:
    table = demo.a.free_tables[0]
    seats = await seats_of(orm, table)
    covers = seats + 2 if beyond else seats
    vals = {"covers": covers, "capacity_override": override}
    if outcome == "ok":
        booking = await book(orm, table, at("19:00"), at("20:00"), login=login, **vals)
        # a waiter may not grow an overridden booking, nor switch the override on
        with pytest.raises(ValidationError if override else AccessError):
            await orm.run(lambda env: env["restaurant.reservation"].write(
                [booking], {"covers": covers + 1} if override else {"capacity_override": True}),
                login="waiter")
        return
    with pytest.raises(outcome):
        await book(orm, table, at("19:00"), at("20:00"), login=login, **vals)


# ---------------------------------------------------------------------------
# The booking's life and the table's status
# ---------------------------------------------------------------------------

#: (from, action, accepted?)
FLOW = [
    ("requested", "action_confirm", True),
    ("requested", "action_cancel", True),
    ("requested", "action_seat", False),
    ("requested", "action_no_show", False),
    ("confirmed", "action_seat", True),
    ("confirmed", "action_no_show", True),
    ("confirmed", "action_cancel", True),
    ("confirmed", "action_confirm", True),
    ("seated", "action_cancel", False),
    ("seated", "action_no_show", False),
    ("cancelled", "action_confirm", True),
    ("cancelled", "action_seat", False),
    ("no_show", "action_seat", False),
    ("no_show", "action_confirm", True),
]
TO = {"action_confirm": "confirmed", "action_cancel": "cancelled", "action_seat": "seated",
      "action_no_show": "no_show"}
REACH = {"requested": [], "confirmed": [], "seated": ["action_seat"],
         "cancelled": ["action_cancel"], "no_show": ["action_no_show"]}


@pytest.mark.parametrize("start, action, accepted", FLOW)
async def test_the_life_of_a_booking(orm: Any, demo: Demo, start: str, action: str,
                                     accepted: bool) -> None:
    table = demo.a.free_tables[0]
    booking = await book(orm, table, at("19:00"), at("20:00"),
                         status="requested" if start == "requested" else "confirmed")
    for step in REACH[start]:
        await orm.run(lambda env: getattr(env["restaurant.reservation"], step)([booking]),
                      login="waiter")

    async def run(env: Any) -> Any:
        return await getattr(env["restaurant.reservation"], action)([booking])
    if accepted:
        await orm.run(run, login="waiter")
    else:
        with pytest.raises(InvalidStateTransition,
                           match=f"is {start}: it cannot become {TO[action]}"):
            await orm.run(run, login="waiter")
    (row,) = await orm.run(lambda env: env["restaurant.reservation"].read([booking], ["status"]))
    assert row["status"] == (TO[action] if accepted else start)


async def test_a_due_booking_shows_the_table_reserved(orm: Any, demo: Demo) -> None:
    a = demo.a
    soon_table, later_table, requested_table = a.free_tables[:3]
    since = await last_event_id(orm)
    due = await book(orm, soon_table, soon(30), soon(150))
    await book(orm, later_table, soon(180), soon(300))
    await book(orm, requested_table, soon(10), soon(100), status="requested")
    assert await statuses(orm, [soon_table, later_table, requested_table]) == {
        soon_table: "reserved", later_table: "available", requested_table: "available"}

    # the guests arrive and order: occupied; seated, the booking no longer holds the table
    order = await open_order(orm, a, soon_table, [(a.products[0], 1)])
    await orm.run(lambda env: env["restaurant.reservation"].action_seat([due]), login="waiter")
    assert (await statuses(orm, [soon_table]))[soon_table] == "occupied"
    assert changes(await events(orm, since, a.company)) == [
        (soon_table, "available", "reserved"), (soon_table, "reserved", "occupied")]
    del order

    # a restaurant that reserves tables four hours ahead; the scheduler's pass
    async def widen(env: Any) -> int:
        await env["res.company"].write([a.company], {"reservation_lead_minutes": 240})
        return await refresh_reservation_windows(env)
    await orm.run(widen)
    assert (await statuses(orm, [later_table]))[later_table] == "reserved"
    # cancelling frees it at once
    (later,) = await orm.run(lambda env: env["restaurant.reservation"].search(
        [("table_id", "=", later_table)]))
    await orm.run(lambda env: env["restaurant.reservation"].action_cancel([later]),
                  login="waiter")
    assert (await statuses(orm, [later_table]))[later_table] == "available"


async def test_find_free_tables(orm: Any, demo: Demo) -> None:
    a = demo.a
    taken = a.free_tables[0]
    seats = await seats_of(orm, taken)
    await book(orm, taken, at("19:00"), at("21:00"), covers=min(2, seats))
    free = await orm.run(lambda env: env["restaurant.table"].find_free_tables(
        at("20:00"), covers=seats, duration=1), login="waiter")
    assert taken not in free and free
    later = await orm.run(lambda env: env["restaurant.table"].find_free_tables(
        at("21:00"), at("22:00"), covers=seats), login="waiter")
    assert taken in later
    rows = await orm.run(lambda env: env["restaurant.table"].read(free, ["seats", "company_id"]))
    assert all(r["seats"] >= seats and r["company_id"][0] == a.company for r in rows)
    assert [r["seats"] for r in rows] == sorted(r["seats"] for r in rows)    # best fit first


# ---------------------------------------------------------------------------
# Restaurants and roles
# ---------------------------------------------------------------------------

async def test_bookings_of_another_restaurant(fronts: Fronts, orm: Any, demo: Demo) -> None:
    mine = await book(orm, demo.a.free_tables[0], at("19:00"), at("21:00"))
    theirs = await book(orm, demo.b.free_tables[0], at("19:00"), at("21:00"),
                        login="sushi.waiter")
    for method, args in (("read", ([theirs], ["name"])), ("read", ([mine, theirs],)),
                         ("write", ([theirs], {"note": "x"})),
                         ("write", ([theirs], {"start_datetime": at("10:00"),
                                               "end_datetime": at("11:00")})),
                         ("action_cancel", ([theirs],)), ("action_seat", ([theirs],))):
        message = assert_error(await fronts.call("call_kw", "waiter", "restaurant.reservation",
                                                 method, args), ACCESS_ERROR, HIDDEN)
        assert "Sushi" not in message and "Guest" not in message
    found = assert_ok(await fronts.call("call_kw", "waiter", "restaurant.reservation", "search",
                                        ([],)))
    assert mine in found and theirs not in found
    owners = await orm.run(lambda env: env["restaurant.reservation"].read(found, ["company_id"]))
    assert {r["company_id"][0] for r in owners} == {demo.a.company}
    # a booking of the other restaurant's table is a link to a record that does not exist
    assert_error(await fronts.call("call_kw", "waiter", "restaurant.reservation", "create", ({
        "table_id": demo.b.free_tables[1], "name": "Sneaky", "covers": 1,
        "start_datetime": at("19:00"), "end_datetime": at("20:00")},)), VALIDATION_ERROR)
    # the kitchen has no business with bookings; waiters cancel rather than delete
    assert_error(await fronts.call("call_kw", "kitchen", "restaurant.reservation", "search",
                                   ([],)), ACCESS_ERROR)
    assert_error(await fronts.call("call_kw", "waiter", "restaurant.reservation", "unlink",
                                   ([mine],)), ACCESS_ERROR)
    assert_ok(await fronts.call("call_kw", "manager", "restaurant.reservation", "unlink",
                                ([mine],)))
    (row,) = await orm.run(lambda env: env["restaurant.reservation"].read([theirs], ["status"]))
    assert row["status"] == "confirmed"
