"""Floors, tables and bills: table status through real order changes, the
events it emits, moving, splitting and merging bills, rights, and the wall
between restaurants.

Totals are checked against amounts computed here from the demo's prices and
its taxes (VAT 12% and 21%, included in the price), not read back from the
gateway's own arithmetic.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
import pytest

from models.bus import BusBus
from models.exceptions import UserError, ValidationError
from models.restaurant import derive_status, refresh_table_status
from tests.fronts import ACCESS_ERROR, USER_ERROR, VALIDATION_ERROR, Fronts, assert_error, assert_ok

CENT = Decimal("0.01")
HIDDEN = "Due to security restrictions, you are not allowed to"


# ---------------------------------------------------------------------------
# The demo restaurants as the tests use them
# ---------------------------------------------------------------------------

@dataclass
class Product:
    id: int
    price: Decimal
    tax_id: int
    rate: Decimal       # included in the price


WAITERS = {"bistro": "waiter", "sushi": "sushi.waiter"}


@dataclass
class Restaurant:
    company_key: str
    company: int
    session: int
    config: int
    cash: int
    free_tables: list[int]   # tables without an open order in the demo data
    busy_table: int          # a table with an open demo order
    products: list[Product]  # one at 21%, one at 12%
    users: dict[str, int]


@dataclass
class Demo:
    a: Restaurant   # Bistro Centrale
    b: Restaurant   # Sushi Koi


async def _restaurant(env: Any, xmlid: str, logins: tuple[str, ...]) -> Restaurant:
    company = await env["ir.model.data"]._xmlid_to_res_id(xmlid)
    env = env.with_context(allowed_company_ids=[company])
    (session,) = await env["pos.session"].search([("company_id", "=", company),
                                                   ("state", "=", "opened")], limit=1)
    (config,) = await env["pos.config"].search([("company_id", "=", company)], limit=1)
    (cash,) = await env["pos.payment.method"].search([("company_id", "=", company),
                                                      ("type", "=", "cash")], limit=1)
    drafts = await env["pos.order"].search_read([("company_id", "=", company),
                                                 ("state", "=", "draft")], ["table_id"])
    busy = {d["table_id"][0] for d in drafts if d["table_id"]}
    tables = await env["restaurant.table"].search([("company_id", "=", company)], order="id")
    products = []
    for rate in (21.0, 12.0):
        (tax,) = await env["account.tax"].search([("company_id", "=", company),
                                                  ("amount", "=", rate)], limit=1)
        (product,) = await env["product.product"].search_read(
            [("company_id", "=", company), ("taxes_id", "in", [tax])], ["list_price"], limit=1)
        products.append(Product(product["id"], Decimal(str(product["list_price"])), tax,
                                Decimal(str(rate))))
    users = {}
    for login in logins:
        (uid,) = await env["res.users"].search([("login", "=", login)])
        users[login] = uid
    return Restaurant(xmlid.rsplit("_", 1)[1], company, session, config, cash,
                      [t for t in tables if t not in busy],
                      sorted(busy)[0], products, users)


@pytest.fixture
async def demo(orm: Any) -> Demo:
    async def find(env: Any) -> Demo:
        return Demo(await _restaurant(env, "gateway_demo.restaurant_bistro",
                                      ("waiter", "manager", "kitchen")),
                    await _restaurant(env, "gateway_demo.restaurant_sushi",
                                      ("sushi.waiter", "sushi.manager")))
    return await orm.run(find)


@pytest.fixture
def fronts(client: Any, orm: Any) -> Fronts:
    return Fronts(client, orm)


# ---------------------------------------------------------------------------
# Helpers: orders, payments, events, and totals computed independently
# ---------------------------------------------------------------------------

def incl_totals(lines: list[tuple[Product, Any]]) -> tuple[Decimal, Decimal]:
    """(total, tax) of lines whose taxes are included in the price, rounded per line."""
    total = tax = Decimal(0)
    for product, qty in lines:
        base = (product.price * Decimal(str(qty))).quantize(CENT, ROUND_HALF_UP)
        untaxed = (base / (1 + product.rate / 100)).quantize(CENT, ROUND_HALF_UP)
        total += base
        tax += base - untaxed
    return total, tax


_uids = itertools.count(1)


async def open_order(orm: Any, r: Restaurant, table: int | None,
                     lines: list[tuple[Product, Any]], guests: int = 2) -> int:
    """A draft order on ``table``, sent by the waiter's point of sale as Odoo 17 saves an
    unpaid table order (``create_from_ui`` with ``draft=True``)."""
    uid = f"test-{r.company}-{next(_uids):05d}"
    data = {"uid": uid, "name": f"Order {uid}", "pos_session_id": r.session,
            "table_id": table or False, "customer_count": guests, "partner_id": False,
            "lines": [[0, 0, {"product_id": p.id, "qty": float(qty), "price_unit": float(p.price),
                              "discount": 0}] for p, qty in lines],
            "statement_ids": []}
    login = WAITERS[r.company_key]

    async def send(env: Any) -> int:
        (answer,) = await env["pos.order"].create_from_ui([{"id": uid, "data": data}], True)
        return answer["id"]
    return await orm.run(send, login=login)


async def pay(orm: Any, r: Restaurant, order: int) -> None:
    """The waiter takes the whole amount in cash and validates the order."""
    async def run(env: Any) -> None:
        (total,) = await env["pos.order"].read([order], ["amount_total"])
        await env["pos.order"].add_payment([order], {"payment_method_id": r.cash,
                                                     "amount": total["amount_total"]})
        await env["pos.order"].action_pos_order_paid([order])
    await orm.run(run, login=WAITERS[r.company_key])


async def last_event_id(orm: Any) -> int:
    async def run(env: Any) -> int:
        row = await env.cr.first(BusBus.select(BusBus.id).order_by(BusBus.id.desc()).limit(1))
        return row[0] if row else 0
    return await orm.run(run)


async def events(orm: Any, since: int, company: int,
                 kind: str = "table_status_changed") -> list[dict[str, Any]]:
    """Payloads of ``kind`` on the restaurant's general channel after bus row ``since``."""
    async def run(env: Any) -> list[dict[str, Any]]:
        rows = await env.cr.rows(BusBus.select(BusBus.message).where(
            (BusBus.id > since) & (BusBus.channel == f"restaurant:{company}")).order_by(BusBus.id))
        messages = [orjson.loads(row[0]) for row in rows]
        return [m["payload"] for m in messages if m["type"] == kind]
    return await orm.run(run)


def changes(payloads: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(p["table_id"], p["old_status"], p["new_status"]) for p in payloads]


async def statuses(orm: Any, tables: list[int]) -> dict[int, str]:
    async def run(env: Any) -> dict[int, str]:
        rows = await env["restaurant.table"].read(tables, ["status"])
        return {row["id"]: row["status"] for row in rows}
    return await orm.run(run)


async def order_values(orm: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    async def run(env: Any) -> dict[int, dict[str, Any]]:
        rows = await env["pos.order"].read(ids, ["state", "table_id", "amount_total",
                                                 "amount_tax", "lines", "customer_count"],
                                           load="_classic_write")
        out = {}
        for row in rows:
            row["lines"] = await env["pos.order.line"].read(row["lines"], ["product_id", "qty"],
                                                            load="_classic_write")
            out[row["id"]] = row
        return out
    return await orm.run(run)


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


# ---------------------------------------------------------------------------
# Status derivation
# ---------------------------------------------------------------------------

#: (stored status, open order on the table, confirmed booking due) -> derived status
DERIVATION = [
    ("available", False, False, "available"),
    ("available", True, False, "occupied"),
    ("available", False, True, "reserved"),
    ("reserved", True, True, "occupied"),
    ("reserved", False, False, "available"),
    ("occupied", True, False, "occupied"),
    ("occupied", False, False, "cleaning"),
    ("occupied", False, True, "cleaning"),
    ("cleaning", False, True, "cleaning"),
    ("cleaning", True, False, "occupied"),
]


@pytest.mark.parametrize("current, open_order_, due, expected", DERIVATION)
def test_status_derivation(current: str, open_order_: bool, due: bool, expected: str) -> None:
    assert derive_status(current, open_order_, due) == expected


async def test_status_follows_the_orders_of_the_table(orm: Any, demo: Demo) -> None:
    a = demo.a
    table = a.free_tables[0]
    since = await last_event_id(orm)
    assert (await statuses(orm, [table]))[table] == "available"

    order = await open_order(orm, a, table, [(a.products[0], 2)])
    assert (await statuses(orm, [table]))[table] == "occupied"
    second = await open_order(orm, a, table, [(a.products[1], 1)])   # a second bill: no change
    await pay(orm, a, order)
    assert (await statuses(orm, [table]))[table] == "occupied"       # one bill still open
    await pay(orm, a, second)
    assert (await statuses(orm, [table]))[table] == "cleaning"

    result = await orm.run(lambda env: env["restaurant.table"].set_status([table], "available"),
                           login="waiter")
    assert result == {str(table): "available"}
    assert changes(await events(orm, since, a.company)) == [
        (table, "available", "occupied"), (table, "occupied", "cleaning"),
        (table, "cleaning", "available")]


async def test_cancelled_or_deleted_orders_free_the_table(orm: Any, demo: Demo) -> None:
    a = demo.a
    t1, t2 = a.free_tables[:2]
    first = await open_order(orm, a, t1, [(a.products[0], 1)])
    second = await open_order(orm, a, t2, [(a.products[0], 1)])
    await orm.run(lambda env: env["pos.order"].action_pos_order_cancel([first]), login="waiter")
    await orm.run(lambda env: env["pos.order"].remove_from_ui([second]), login="waiter")
    assert await statuses(orm, [t1, t2]) == {t1: "cleaning", t2: "cleaning"}


async def test_a_rolled_back_change_emits_nothing(orm: Any, demo: Demo) -> None:
    a = demo.a
    table = a.free_tables[0]
    since = await last_event_id(orm)

    async def fail(env: Any) -> None:
        await env["pos.order"].create({"session_id": a.session, "config_id": a.config,
                                       "company_id": a.company, "table_id": table})
        assert (await env["restaurant.table"].read([table], ["status"]))[0]["status"] == \
            "occupied"
        raise UserError("the waiter changed their mind")

    with pytest.raises(UserError):
        await orm.run(fail, context={"allowed_company_ids": [a.company]})
    assert (await statuses(orm, [table]))[table] == "available"
    assert await events(orm, since, a.company) == []


async def test_refresh_is_idempotent(orm: Any, demo: Demo) -> None:
    a = demo.a
    table = a.free_tables[0]
    await open_order(orm, a, table, [(a.products[0], 1)])
    since = await last_event_id(orm)
    for _ in range(3):
        await orm.run(lambda env: refresh_table_status(env, [table, None, table]))
    assert await events(orm, since, a.company) == []


#: (status set before, status asked by hand, error or the status it ends in)
HAND_SET = [
    ("cleaning", "available", "available"),
    ("available", "cleaning", "cleaning"),
    ("cleaning", "cleaning", "cleaning"),
    ("available", "available", "available"),
    ("available", "occupied", UserError),
    ("available", "reserved", UserError),
    ("occupied", "available", UserError),
    ("occupied", "cleaning", UserError),
]


@pytest.mark.parametrize("before, asked, outcome", HAND_SET)
async def test_what_staff_may_set_by_hand(orm: Any, demo: Demo, before: str, asked: str,
                                          outcome: Any) -> None:
    a = demo.a
    table = a.free_tables[0]
    if before == "occupied":
        await open_order(orm, a, table, [(a.products[0], 1)])
    elif before == "cleaning":
        await orm.run(lambda env: env["restaurant.table"].set_status([table], "cleaning"),
                      login="waiter")
    assert (await statuses(orm, [table]))[table] == before

    async def set_it(env: Any) -> Any:
        return await env["restaurant.table"].set_status([table], asked)
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            await orm.run(set_it, login="waiter")
        assert (await statuses(orm, [table]))[table] == before
    else:
        assert await orm.run(set_it, login="waiter") == {str(table): outcome}


# ---------------------------------------------------------------------------
# Moving, splitting, merging bills
# ---------------------------------------------------------------------------

async def test_move_an_order_to_a_free_table(orm: Any, demo: Demo) -> None:
    a = demo.a
    t1, t2 = a.free_tables[:2]
    lines = [(a.products[0], 2), (a.products[1], 1)]
    order = await open_order(orm, a, t1, lines)
    since = await last_event_id(orm)

    moved = await orm.run(lambda env: env["pos.order"].move_to_table([order], t2),
                          login="waiter")
    assert moved == [order]
    values = (await order_values(orm, [order]))[order]
    total, tax = incl_totals(lines)
    assert (values["table_id"], values["state"]) == (t2, "draft")
    assert (money(values["amount_total"]), money(values["amount_tax"])) == (total, tax)
    assert await statuses(orm, [t1, t2]) == {t1: "cleaning", t2: "occupied"}
    assert sorted(changes(await events(orm, since, a.company))) == sorted([
        (t1, "occupied", "cleaning"), (t2, "available", "occupied")])


async def test_a_plain_write_of_the_table_moves_the_status_too(orm: Any, demo: Demo) -> None:
    """The way an Odoo POS transfers a table (it rewrites the order's table_id)."""
    a = demo.a
    t1, t2 = a.free_tables[:2]
    order = await open_order(orm, a, t1, [(a.products[0], 1)])
    await orm.run(lambda env: env["pos.order"].write([order], {"table_id": t2}), login="waiter")
    assert await statuses(orm, [t1, t2]) == {t1: "cleaning", t2: "occupied"}


async def test_move_to_an_occupied_table_refuses_or_merges(orm: Any, demo: Demo) -> None:
    a = demo.a
    t1, t2 = a.free_tables[:2]
    moving_lines = [(a.products[0], 3)]
    staying_lines = [(a.products[1], 2)]
    moving = await open_order(orm, a, t1, moving_lines, guests=2)
    staying = await open_order(orm, a, t2, staying_lines, guests=3)

    with pytest.raises(UserError, match="already has an open order"):
        await orm.run(lambda env: env["pos.order"].move_to_table([moving], t2), login="waiter")
    assert (await order_values(orm, [moving]))[moving]["table_id"] == t1

    result = await orm.run(lambda env: env["pos.order"].move_to_table([moving], t2, merge=True),
                           login="waiter")
    assert result == [staying]
    values = await order_values(orm, [moving, staying])
    total, tax = incl_totals(moving_lines + staying_lines)
    merged = values[staying]
    assert (money(merged["amount_total"]), money(merged["amount_tax"])) == (total, tax)
    assert sorted((line["product_id"], line["qty"]) for line in merged["lines"]) == sorted(
        [(a.products[0].id, 3.0), (a.products[1].id, 2.0)])
    assert merged["customer_count"] == 5
    emptied = values[moving]
    assert (emptied["state"], emptied["lines"], emptied["amount_total"]) == ("cancel", [], 0.0)
    assert await statuses(orm, [t1, t2]) == {t1: "cleaning", t2: "occupied"}


#: (what to split off: line index -> quantity or None for the whole line,
#:  quantities left on the original, quantities on the new order)
SPLITS = [
    ({0: None}, [0, 1], [0]),            # a whole line
    ({0: 1}, [0, 0, 1], [0]),            # one of three of a line
    ({0: 2, 1: 1}, [0, 1], [0, 1]),      # part of a line and a whole one
]


@pytest.mark.parametrize("split, left, taken", SPLITS)
async def test_split_a_bill(orm: Any, demo: Demo, split: dict[int, Any], left: list[int],
                            taken: list[int]) -> None:
    a = demo.a
    table = a.free_tables[0]
    lines = [(a.products[0], 3), (a.products[1], 1)]
    order = await open_order(orm, a, table, lines)
    ids = (await order_values(orm, [order]))[order]["lines"]
    line_ids = [line["id"] for line in ids]
    spec = [line_ids[index] if qty is None else [line_ids[index], qty]
            for index, qty in split.items()]
    since = await last_event_id(orm)

    new = await orm.run(lambda env: env["pos.order"].split_order([order], spec), login="waiter")

    def expected(which: str) -> list[tuple[Product, Decimal]]:
        out = []
        for index, (product, qty) in enumerate(lines):
            moved = Decimal(0) if index not in split else Decimal(split[index] or qty)
            amount = moved if which == "new" else Decimal(qty) - moved
            if amount:
                out.append((product, amount))
        return out

    values = await order_values(orm, [order, new])
    for which, record in (("old", values[order]), ("new", values[new])):
        want = expected(which)
        assert sorted((line["product_id"], line["qty"]) for line in record["lines"]) == sorted(
            (p.id, float(q)) for p, q in want), which
        total, tax = incl_totals(want)
        assert (money(record["amount_total"]), money(record["amount_tax"])) == (total, tax), which
        assert (record["state"], record["table_id"]) == ("draft", table)
    total, _tax = incl_totals(lines)
    assert money(values[order]["amount_total"]) + money(values[new]["amount_total"]) == total
    assert (await statuses(orm, [table]))[table] == "occupied"
    assert await events(orm, since, a.company) == []    # the table never changed


#: (lines argument built from the two line ids, the error expected)
BAD_SPLITS = [
    (lambda l1, l2: [l1, l2], "leave order"),               # everything: move it instead
    (lambda l1, l2: [[l1, 4]], "Cannot split 4"),           # more than the line has
    (lambda l1, l2: [[l1, 0]], "Cannot split 0"),
    (lambda l1, l2: [[l1, -1]], "Cannot split -1"),
    (lambda l1, l2: [999_999], "is not on order"),
    (lambda l1, l2: [], "at least one line"),
]


@pytest.mark.parametrize("build, message", BAD_SPLITS)
async def test_bad_splits_are_refused(orm: Any, demo: Demo, build: Any, message: str) -> None:
    a = demo.a
    order = await open_order(orm, a, a.free_tables[0], [(a.products[0], 3), (a.products[1], 1)])
    l1, l2 = [line["id"] for line in (await order_values(orm, [order]))[order]["lines"]]
    with pytest.raises(UserError, match=message):
        await orm.run(lambda env: env["pos.order"].split_order([order], build(l1, l2)),
                      login="waiter")
    assert len((await order_values(orm, [order]))[order]["lines"]) == 2


async def test_merge_bills_of_two_tables(orm: Any, demo: Demo) -> None:
    a = demo.a
    t1, t2 = a.free_tables[:2]
    lines1 = [(a.products[0], 1), (a.products[1], 2)]
    lines2 = [(a.products[0], 2)]
    first = await open_order(orm, a, t1, lines1)
    second = await open_order(orm, a, t2, lines2)
    since = await last_event_id(orm)

    target = await orm.run(lambda env: env["pos.order"].merge_orders([second, first], first),
                           login="waiter")
    assert target == first
    values = await order_values(orm, [first, second])
    total, tax = incl_totals(lines1 + lines2)
    assert (money(values[first]["amount_total"]), money(values[first]["amount_tax"])) == (total,
                                                                                          tax)
    assert len(values[first]["lines"]) == 3
    assert (values[second]["state"], values[second]["amount_total"]) == ("cancel", 0.0)
    assert await statuses(orm, [t1, t2]) == {t1: "occupied", t2: "cleaning"}
    assert changes(await events(orm, since, a.company)) == [(t2, "occupied", "cleaning")]
    cancelled = await events(orm, since, a.company, "order_status_changed")
    assert [(e["order_id"], e["old_state"], e["new_state"]) for e in cancelled] == [
        (second, "draft", "cancel")]


#: (operation on a paid order and an open one) -> each must name the state
ON_PAID = {
    "move": lambda env, paid, open_, table: env["pos.order"].move_to_table([paid], table),
    "split": lambda env, paid, open_, table: env["pos.order"].split_order([paid], [1]),
    "merge into": lambda env, paid, open_, table: env["pos.order"].merge_orders([open_, paid]),
    "merge from": lambda env, paid, open_, table: env["pos.order"].merge_orders([paid, open_]),
}


@pytest.mark.parametrize("operation", list(ON_PAID))
async def test_paid_orders_cannot_be_moved_split_or_merged(orm: Any, demo: Demo,
                                                           operation: str) -> None:
    a = demo.a
    t1, t2, t3 = a.free_tables[:3]
    paid = await open_order(orm, a, t1, [(a.products[0], 2), (a.products[1], 1)])
    await pay(orm, a, paid)
    open_ = await open_order(orm, a, t2, [(a.products[0], 1)])
    before = await order_values(orm, [paid, open_])
    with pytest.raises(UserError) as caught:
        await orm.run(lambda env: ON_PAID[operation](env, paid, open_, t3), login="waiter")
    assert "paid" in str(caught.value) and "state 'paid'" in str(caught.value)
    assert await order_values(orm, [paid, open_]) == before


# ---------------------------------------------------------------------------
# Rights and restaurants, through the RPC front
# ---------------------------------------------------------------------------

async def test_waiters_run_tables_managers_draw_them(fronts: Fronts, orm: Any,
                                                     demo: Demo) -> None:
    a = demo.a
    table = a.free_tables[0]
    # a waiter takes a table and marks it; a waiter of another restaurant cannot be assigned
    assert_ok(await fronts.call("call_kw", "waiter", "restaurant.table", "write",
                                ([table], {"waiter_id": a.users["waiter"]})))
    assert_ok(await fronts.call("call_kw", "waiter", "restaurant.table", "set_status",
                                ([table], "cleaning")))
    assert_error(await fronts.call("call_kw", "waiter", "restaurant.table", "write",
                                   ([table], {"waiter_id": demo.b.users["sushi.waiter"]})),
                 VALIDATION_ERROR)
    # the floor plan is the manager's
    for vals in ({"name": "VIP"}, {"seats": 12}, {"position_h": 5.0}, {"active": False},
                 {"section": "Window"}):
        assert_error(await fronts.call("call_kw", "waiter", "restaurant.table", "write",
                                       ([table], vals)), ACCESS_ERROR, "restaurant manager")
    assert_error(await fronts.call("call_kw", "waiter", "restaurant.table", "write",
                                   ([table], {"status": "available"})), VALIDATION_ERROR,
                 "read-only")
    assert_error(await fronts.call("call_kw", "waiter", "restaurant.floor", "write",
                                   ([1], {"name": "x"})), ACCESS_ERROR)
    assert_ok(await fronts.call("call_kw", "manager", "restaurant.table", "write",
                                ([table], {"name": "VIP", "section": "Window", "seats": 8})))
    # the kitchen reads tables but neither marks them nor moves bills
    assert_error(await fronts.call("call_kw", "kitchen", "restaurant.table", "set_status",
                                   ([table], "available")), ACCESS_ERROR)
    order = await open_order(orm, a, table, [(a.products[0], 1)])
    assert_error(await fronts.call("call_kw", "kitchen", "pos.order", "move_to_table",
                                   ([order], a.free_tables[1])), ACCESS_ERROR)


async def test_restaurants_stay_apart(fronts: Fronts, orm: Any, demo: Demo) -> None:
    a, b = demo.a, demo.b
    mine = await open_order(orm, a, a.free_tables[0], [(a.products[0], 1)])
    theirs = await open_order(orm, b, b.free_tables[0], [(b.products[0], 1)])
    before = await order_values(orm, [mine, theirs])
    calls = [
        ("restaurant.table", "set_status", ([b.free_tables[1]], "cleaning")),
        ("restaurant.table", "write", ([b.free_tables[1]], {"waiter_id": a.users["waiter"]})),
        ("restaurant.table", "write", ([b.free_tables[1]], {"name": "mine now"})),
        ("restaurant.table", "are_orders_still_in_draft", ([b.free_tables[0]],)),
        ("pos.order", "move_to_table", ([mine], b.free_tables[1])),
        ("pos.order", "move_to_table", ([theirs], a.free_tables[1])),
        ("pos.order", "split_order", ([theirs], [1])),
        ("pos.order", "merge_orders", ([mine, theirs],)),
        ("pos.order", "merge_orders", ([theirs, mine],)),
    ]
    for model, method, args in calls:
        answer = await fronts.call("call_kw", "waiter", model, method, args)
        message = assert_error(answer, ACCESS_ERROR, HIDDEN)
        assert "Sushi" not in message, message
    found = assert_ok(await fronts.call("call_kw", "waiter", "restaurant.table", "search",
                                        ([["id", "in", b.free_tables]],)))
    assert found == []
    assert await order_values(orm, [mine, theirs]) == before
    assert (await statuses(orm, [b.free_tables[1]]))[b.free_tables[1]] == "available"


# ---------------------------------------------------------------------------
# What Odoo's floor editor calls
# ---------------------------------------------------------------------------

async def test_floor_editor_calls(fronts: Fronts, orm: Any, demo: Demo) -> None:
    a = demo.a
    floor = assert_ok(await fronts.call("call_kw", "manager", "restaurant.floor",
                                        "create_from_ui", ("Garden", "#00ff00", a.config)))
    assert floor == {"id": floor["id"], "name": "Garden", "background_color": "#00ff00",
                     "table_ids": [], "sequence": 1, "tables": []}
    assert_ok(await fronts.call("call_kw", "manager", "restaurant.floor", "rename_floor",
                                ([floor["id"]], "Winter Garden")))
    configs = assert_ok(await fronts.call("call_kw", "manager", "pos.config", "read",
                                          ([a.config], ["floor_ids"])))
    assert floor["id"] in configs[0]["floor_ids"]
    table = assert_ok(await fronts.call("call_kw", "manager", "restaurant.table", "create_from_ui",
                                        ({"name": "G1", "floor_id": [floor["id"], "Garden"],
                                          "seats": 4, "shape": "round"},)))
    assert assert_ok(await fronts.call("call_kw", "waiter", "restaurant.table",
                                       "are_orders_still_in_draft", ([table],))) is False
    order = await open_order(orm, a, table, [(a.products[0], 1)])
    assert assert_ok(await fronts.call("call_kw", "waiter", "restaurant.table",
                                       "are_orders_still_in_draft", ([table],))) is True
    assert_error(await fronts.call("call_kw", "manager", "restaurant.floor", "deactivate_floor",
                                   ([floor["id"]], a.session)), USER_ERROR, "still in draft")
    await pay(orm, a, order)
    assert_ok(await fronts.call("call_kw", "manager", "restaurant.floor", "deactivate_floor",
                                ([floor["id"]], a.session)))
    rows = assert_ok(await fronts.call("call_kw", "manager", "restaurant.table", "search_read",
                                       ([["id", "=", table], ["active", "in", [True, False]]],),
                                       {"fields": ["active", "floor_id"]}))
    assert rows == [{"id": table, "active": False, "floor_id": [floor["id"], "Winter Garden"]}]
    configs = assert_ok(await fronts.call("call_kw", "manager", "pos.config", "read",
                                          ([a.config], ["floor_ids"])))
    assert floor["id"] not in configs[0]["floor_ids"]      # archived
    assert_error(await fronts.call("call_kw", "waiter", "restaurant.floor", "create_from_ui",
                                   ("Cellar", None, a.config)), ACCESS_ERROR)


async def test_sync_status_rederives_from_bookings(orm: Any, demo: Demo) -> None:
    """A booking that became due with no request touching its table shows on the
    next floor sync (here: one written behind the model's back, as time would)."""
    a = demo.a
    table = a.free_tables[0]
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)

    async def book(env: Any) -> int:
        Reservation = env.registry["restaurant.reservation"]
        (new_id,) = await env.cr.insert(Reservation.insert({
            Reservation.table_id: table, Reservation.name: "Walk-by", Reservation.covers: 2,
            Reservation.start_datetime: (now + dt.timedelta(minutes=20)).strftime(
                "%Y-%m-%d %H:%M:%S"),
            Reservation.end_datetime: (now + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
            Reservation.status: "confirmed", Reservation.company_id: a.company,
        }).returning(Reservation.id))
        return new_id
    await orm.run(book)
    assert (await statuses(orm, [table]))[table] == "available"
    rows = await orm.run(lambda env: env["restaurant.table"].sync_status(), login="waiter")
    assert {r["id"]: r["status"] for r in rows}[table] == "reserved"
    assert {r["id"] for r in rows} >= set(a.free_tables)


async def test_an_order_sits_at_a_table_of_its_restaurant(orm: Any, demo: Demo) -> None:
    """A platform owner sees both restaurants' tables, and still cannot seat an order of
    one at a table of the other."""
    a, b = demo.a, demo.b
    order = await open_order(orm, a, None, [(a.products[0], 1)])
    with pytest.raises(ValidationError, match="another restaurant"):
        await orm.run(lambda env: env["pos.order"].write([order], {"table_id": b.free_tables[0]}),
                      login="owner", context={"allowed_company_ids": [a.company, b.company]})
    with pytest.raises(UserError, match="another restaurant"):
        await orm.run(lambda env: env["pos.order"].move_to_table([order], b.free_tables[0]),
                      login="owner", context={"allowed_company_ids": [a.company, b.company]})
    assert (await statuses(orm, [b.free_tables[0]]))[b.free_tables[0]] == "available"
