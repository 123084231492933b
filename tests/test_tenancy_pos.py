"""Restaurant A's staff and restaurant B's point of sale: refused, record by record.

The issue's requirement: a cashier of restaurant A gets ``AccessError`` on
every read or write of restaurant B, through ``call_kw`` and through the
model methods, for every model that belongs to a restaurant. Searches do
not find B's records (as Odoo's record rules: they are filtered out, not
refused); reading, writing, deleting or acting on one by id is Odoo's
``AccessError`` (``models/security.py``, ``rule_error``: ids only, nothing
of the record). Linking one of A's records to one of B's (a refund of B's
line, B's table on A's order, a booking of B's table) is the ORM's refusal
of a link to a record the caller cannot see (``docs/decisions.md``: "Links
across restaurants are refused on write": ``ValidationError``, or
``MissingError`` for many2many links); that is checked here too, with the
message telling nothing of B.

Every attempt is made twice: over JSON-RPC ``/web/dataset/call_kw`` (the
Odoo error object) and in-process through the model method as the same user
(the exception class). B's rows, the row counts and the bus must come out of
it all unchanged; and B's own staff, making the same calls on the same
records, succeed (so that the test can fail).

Records are found by name, login or search as the superuser, never by id:
the demo data grows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from peewee import fn

from models import make_registry
from models.bus import BusBus
from models.exceptions import AccessError, MissingError, ValidationError
from tests.fronts import (ACCESS_ERROR, MISSING_ERROR, VALIDATION_ERROR, Answer, Fronts,
                          assert_error, assert_ok)
from tests.pos_support import line, new_uid, order_payload, payment, sync_payload

A_NAME, B_NAME = "Bistro Centrale", "Sushi Koi"
HIDDEN = "Due to security restrictions, you are not allowed to"
COMPANIES_REFUSED = "Access to unauthorized or invalid companies."
NO_RIGHT = "You are not allowed to"
FAR = "2031-06-01"          # a day far from the demo's orders: bookings there change no status
WIDE = ("2000-01-01", "2099-12-31")

#: Every model that belongs to a restaurant (a ``company_id`` column, models/__init__.py),
#: and res.company itself. ``test_the_table_covers_every_company_bound_model`` keeps it whole.
MODELS = [
    "pos.order", "pos.order.line", "pos.payment", "pos.session", "pos.config",
    "pos.payment.method", "pos.category", "product.product", "account.tax", "res.partner",
    "restaurant.floor", "restaurant.table", "restaurant.reservation", "stock.quant",
    "stock.move", "audit.log", "res.users", "res.company",
    "loyalty.program", "loyalty.card", "loyalty.move", "gateway.feature.flag",
    "hw.printer", "hw.print.job",
]

#: What A's users try to write on B's record: plain values, and read-only ones (the
#: record rule is checked first, as in Odoo, so those are AccessError as well).
WRITES: dict[str, list[dict[str, Any]]] = {
    "pos.order": [{"note": "tampered"}, {"state": "paid"}, {"amount_total": 0}],
    "pos.order.line": [{"customer_note": "tampered"}, {"qty": 99}, {"price_subtotal": 0}],
    "pos.payment": [{"name": "tampered"}, {"amount": 0}],
    "pos.session": [{"closing_notes": "tampered"}, {"state": "closed"}],
    "pos.config": [{"receipt_footer": "tampered"}, {"restrict_price_control": False}],
    "pos.payment.method": [{"name": "tampered"}, {"active": False}],
    "pos.category": [{"name": "tampered"}],
    "product.product": [{"list_price": 0.01}, {"available_in_pos": False}],
    "account.tax": [{"amount": 0}],
    "res.partner": [{"email": "tampered@example.com"}, {"complete_name": "tampered"}],
    "restaurant.floor": [{"name": "tampered"}],
    "restaurant.table": [{"name": "tampered"}, {"waiter_id": False}, {"status": "available"}],
    "restaurant.reservation": [{"note": "tampered"}, {"status": "cancelled"}],
    "stock.quant": [{"quantity": 999}],
    "stock.move": [{"note": "tampered"}],
    "audit.log": [{"new_values": "{}"}],
    "res.users": [{"name": "tampered"}, {"password": "taken-over"}],
    "res.company": [{"name": "tampered"}, {"commission_rate": 0}],
    "loyalty.program": [{"enabled": False}, {"points_per_unit": 100}],
    "loyalty.card": [{"points": 999}],
    "loyalty.move": [{"points": 999}],
    "gateway.feature.flag": [{"enabled": False}, {"value": "\"tampered\""}],
    "hw.printer": [{"name": "tampered"}, {"host": "192.168.1.99"}, {"status": "online"}],
    "hw.print.job": [{"state": "done"}],
}
#: B's staff write the first of those values back as a control (where their role may):
#: not a payment (nobody edits one) nor the read-only quant/move/log.
NO_WRITE_CONTROL = {"pos.payment", "stock.quant", "stock.move", "audit.log", "loyalty.card",
                    "loyalty.move", "hw.print.job"}

USERS_OF_A = ("waiter", "manager")
#: The same role in restaurant B, for the positive controls.
COUNTERPART = {"waiter": "sushi.waiter", "manager": "sushi.manager"}


# ---------------------------------------------------------------------------
# The two restaurants as these tests use them
# ---------------------------------------------------------------------------

@dataclass
class Side:
    company: int
    session: int = 0
    config: int = 0
    cash: int = 0
    draft: int = 0          # an open (draft) order with lines
    line: int = 0           # a line of that draft
    paid: int = 0           # a paid order
    sold_line: int = 0      # a line of that paid order
    payment: int = 0
    table: int = 0          # a table without an open order
    floor: int = 0
    product: dict[str, Any] = field(default_factory=dict)   # id, name, list_price (sold in POS)
    stored: int = 0         # a storable product with a quant and a move (B only)
    reservation: int = 0    # B only
    records: dict[str, int] = field(default_factory=dict)   # model -> one record of the side


@dataclass
class World:
    a: Side
    b: Side
    platform: int
    secrets: list[str]      # strings of B's records that no answer to A may contain
    users: dict[str, int]


async def _one(env: Any, model: str, domain: list[Any], **kwargs: Any) -> int:
    ids = await env[model].search(domain, limit=1, **kwargs)
    assert ids, f"no {model} for {domain}"
    return ids[0]


async def _side(env: Any, company: int) -> Side:
    side = Side(company)
    side.session = await _one(env, "pos.session", [("company_id", "=", company),
                                                   ("state", "=", "opened")])
    (session,) = await env["pos.session"].read([side.session], ["config_id"], load=None)
    side.config = session["config_id"]
    side.cash = await _one(env, "pos.payment.method", [("company_id", "=", company),
                                                       ("type", "=", "cash")])
    drafts = await env["pos.order"].search_read(
        [("company_id", "=", company), ("state", "=", "draft"), ("lines", "!=", False)],
        ["lines", "table_id"], order="id", load=None)
    assert drafts, f"no open order with lines in company {company}"
    side.draft, side.line = drafts[0]["id"], drafts[0]["lines"][0]
    (paid,) = await env["pos.order"].search_read(
        [("company_id", "=", company), ("state", "=", "paid"), ("lines", "!=", False),
         ("payment_ids", "!=", False)], ["lines", "payment_ids"], limit=1, order="id",
        load=None)
    side.paid, side.sold_line, side.payment = paid["id"], paid["lines"][0], \
        paid["payment_ids"][0]
    busy = {row["table_id"] for row in await env["pos.order"].search_read(
        [("company_id", "=", company), ("state", "=", "draft")], ["table_id"], load=None)}
    tables = await env["restaurant.table"].search_read(
        [("company_id", "=", company), ("active", "=", True), ("seats", ">=", 2)],
        ["floor_id", "status"], order="id", load=None)
    free = [t for t in tables if t["id"] not in busy and t["status"] in (None, False,
                                                                         "available")]
    assert free, f"no free table in company {company}"
    side.table, side.floor = free[0]["id"], free[0]["floor_id"]
    (side.product,) = await env["product.product"].search_read(
        [("company_id", "=", company), ("available_in_pos", "=", True)],
        ["id", "name", "list_price"], limit=1, order="id")
    return side


@pytest.fixture
def fronts(client: Any, orm: Any) -> Fronts:
    return Fronts(client, orm)


@pytest.fixture
async def world(orm: Any) -> World:
    async def companies(env: Any) -> tuple[int, int, int, dict[str, int]]:
        a = await _one(env, "res.company", [("name", "=", A_NAME)])
        b = await _one(env, "res.company", [("name", "=", B_NAME)])
        (parent,) = await env["res.company"].read([b], ["parent_id"], load=None)
        users = {login: await _one(env, "res.users", [("login", "=", login)])
                 for login in ("waiter", "manager", "kitchen", "sushi.waiter", "sushi.manager",
                               "owner")}
        return a, b, parent["parent_id"], users
    a_id, b_id, platform, users = await orm.run(companies)

    async def sides(env: Any) -> tuple[Side, Side]:
        a, b = await _side(env, a_id), await _side(env, b_id)
        # B tracks the stock of one of its products (the demo tracks none)
        b.stored = b.product["id"]
        await env["product.product"].write([b.stored], {"type": "product"})
        return a, b
    a, b = await orm.run(sides)

    # B's staff at work: a stock count (a quant and a move) and a booking, as B's users make them
    await orm.run(lambda env: env["stock.quant"].adjust(b.stored, quantity=20, reason="count"),
                  login="sushi.manager")
    b.reservation = await orm.run(lambda env: env["restaurant.reservation"].create({
        "table_id": b.table, "name": "Tenancy Guest", "phone": "+32 470 99 99 99",
        "covers": 2, "start_datetime": f"{FAR} 19:00:00", "end_datetime": f"{FAR} 21:00:00"}),
        login="sushi.waiter")
    # B's loyalty program with a customer's points, and a flag of B's own, as B's manager sets them

    async def b_loyalty_and_flag(env: Any) -> None:
        await env["loyalty.program"].create({"company_id": b_id, "points_per_unit": 1.0})
        customer = await _one(env, "res.partner", [("company_id", "=", b_id),
                                                   ("user_ids", "=", False)])
        await env["loyalty.card"].adjust(customer, 10, "welcome")
        await env["gateway.feature.flag"].set_flag("kitchen.auto_print", True)
        await env["hw.printer"].create({"name": "Sushi bar", "host": "192.168.1.50",
                                        "port": 9100, "role": "kitchen"})
    await orm.run(b_loyalty_and_flag, login="sushi.manager")

    async def b_print_job(env: Any) -> None:      # jobs are made by printing, not by create
        printer = await _one(env, "hw.printer", [("company_id", "=", b_id)])
        await env["hw.print.job"]._enqueue(printer, b"\x1b@tenancy\n", kind="raw")
    await orm.run(b_print_job)

    async def records(env: Any) -> tuple[dict[str, int], dict[str, int], list[str]]:
        found: dict[str, dict[str, int]] = {}
        partners_of_users = [u["partner_id"] for u in await env.with_context(
            active_test=False)["res.users"].search_read([], ["partner_id"], load=None)]
        for side in (a, b):
            c = side.company
            found[c] = {
                "pos.order": side.draft, "pos.order.line": side.line,
                "pos.payment": side.payment, "pos.session": side.session,
                "pos.config": side.config, "pos.payment.method": side.cash,
                "pos.category": await _one(env, "pos.category", [("company_id", "=", c)]),
                "product.product": side.product["id"],
                "account.tax": await _one(env, "account.tax", [("company_id", "=", c)]),
                "res.partner": await _one(env, "res.partner", [
                    ("company_id", "=", c), ("id", "not in", partners_of_users)]),
                "restaurant.floor": side.floor, "restaurant.table": side.table,
                "res.company": c,
                "res.users": users["waiter" if side is a else "sushi.waiter"],
            }
        found[b.company].update({
            "restaurant.reservation": b.reservation,
            "stock.quant": await _one(env, "stock.quant", [("company_id", "=", b.company),
                                                           ("product_id", "=", b.stored)]),
            "stock.move": await _one(env, "stock.move", [("company_id", "=", b.company),
                                                         ("product_id", "=", b.stored)]),
            "audit.log": await _one(env, "audit.log", [("company_id", "=", b.company)]),
            **{model: await _one(env, model, [("company_id", "=", b.company)])
               for model in ("loyalty.program", "loyalty.card", "loyalty.move",
                             "gateway.feature.flag", "hw.printer", "hw.print.job")},
        })
        # what would give B away in an answer to A: names of B's records that A does not share
        a_names = set()
        for model in ("pos.order", "pos.config", "pos.session", "product.product",
                      "res.partner", "res.company", "res.users"):
            a_names |= {r["display_name"] for r in await env[model].search_read(
                [("company_id", "=", a.company)] if model != "res.company"
                else [("id", "=", a.company)], ["display_name"])}
        secrets = [B_NAME]
        for model in ("pos.order", "pos.config", "pos.session", "product.product",
                      "res.partner", "res.users"):
            (name,) = await env[model].name_get([found[b.company][model]])
            secrets.append(name[1])
        (paid,) = await env["pos.order"].read([b.paid], ["name", "pos_reference"])
        secrets += [paid["name"], paid["pos_reference"] or paid["name"], "Tenancy Guest"]
        (customer,) = await env["res.partner"].read([found[b.company]["res.partner"]],
                                                    ["email"])
        if customer["email"]:
            secrets.append(customer["email"])
        return found[a.company], found[b.company], [
            s for s in secrets if s and len(s) > 3 and s not in a_names]
    a.records, b.records, secrets = await orm.run(records)
    return World(a, b, platform, secrets, users)


def clean(world: World, text: str, where: str) -> None:
    """Nothing of B's records in what A was told."""
    for secret in world.secrets:
        assert secret not in text, f"{where}: {secret!r} of restaurant B in {text!r}"


async def snapshot(orm: Any, world: World) -> dict[str, Any]:
    """B's rows (every column of every record of B), the row counts of every model and
    the bus, as the superuser reads them."""
    async def read(env: Any) -> dict[str, Any]:
        env = env.with_context(active_test=False)
        out: dict[str, Any] = {}
        for model in MODELS:
            names = [n for n, f in env.registry[model]._fields.items() if f.is_column]
            domain = [("id", "=", world.b.company)] if model == "res.company" else [
                ("company_id", "=", world.b.company)]
            out[model] = await env[model].search_read(domain, names, order="id", load=None)
            out[f"{model} count"] = await env[model].search_count([])
        # B's bus (A's own news, its users' logins and refused payments, is A's)
        b = world.b.company
        (out["bus"],) = await env.cr.first(BusBus.select(fn.COUNT(BusBus.id)).where(
            (BusBus.channel == f"restaurant:{b}")
            | BusBus.channel.startswith(f"restaurant:{b}:")))
        return out
    return await orm.run(read)


# ---------------------------------------------------------------------------
# One attempt, through both paths
# ---------------------------------------------------------------------------

@dataclass
class Attempt:
    answer: Answer          # call_kw
    error: BaseException | None     # the model method in-process
    value: Any = None


async def attempt(fronts: Fronts, orm: Any, login: str, model: str, method: str,
                  args: tuple = (), kwargs: dict[str, Any] | None = None) -> Attempt:
    kwargs = kwargs or {}
    answer = await fronts.call("call_kw", login, model, method, list(args), kwargs)

    async def call(env: Any) -> Any:
        named = dict(kwargs)
        context = named.pop("context", None)
        if context is not None:     # what the fronts do with a call's context
            env = env.with_context(**context)
        return await getattr(env[model], method)(*args, **named)
    try:
        value = await orm.run(call, login=login)
    except Exception as exc:    # noqa: BLE001 - the class is what is checked
        return Attempt(answer, exc)
    return Attempt(answer, None, value)


async def refused(fronts: Fronts, orm: Any, world: World, login: str, model: str, method: str,
                  args: tuple = (), kwargs: dict[str, Any] | None = None,
                  error: str = ACCESS_ERROR, message: str | None = None) -> str:
    """The call fails with Odoo's ``error`` on both paths, saying nothing of B."""
    where = f"{login} {model}.{method}{args}"
    result = await attempt(fronts, orm, login, model, method, args, kwargs)
    try:
        shown = assert_error(result.answer, error, message)
    except AssertionError as exc:
        exc.add_note(f"call_kw: {where}")
        raise
    cls = {ACCESS_ERROR: AccessError, MISSING_ERROR: MissingError,
           VALIDATION_ERROR: ValidationError}[error]
    assert type(result.error) is cls, f"in-process {where}: {result.error!r} {result.value!r}"
    if message is not None:
        assert message in str(result.error), (where, str(result.error))
    clean(world, shown, where)
    clean(world, str(result.error), where)
    return shown


async def allowed(fronts: Fronts, orm: Any, login: str, model: str, method: str,
                  args: tuple = (), kwargs: dict[str, Any] | None = None,
                  in_process: bool = True) -> Any:
    """The call succeeds through call_kw (and in-process, unless it changes what the
    next call needs); answers the call_kw result."""
    where = f"{login} {model}.{method}{args}"
    answer = await fronts.call("call_kw", login, model, method, list(args), kwargs or {})
    assert answer.ok, f"call_kw {where}: {answer.body}"
    if in_process:
        async def call(env: Any) -> Any:
            return await getattr(env[model], method)(*args, **(kwargs or {}))
        await orm.run(call, login=login)
    return answer.result


async def rights(orm: Any, login: str, model: str) -> dict[str, bool]:
    async def check(env: Any) -> dict[str, bool]:
        return {op: await env[model].check_access_rights(op, False)
                for op in ("read", "write", "create", "unlink")}
    return await orm.run(check, login=login)


# ---------------------------------------------------------------------------
# The table is complete
# ---------------------------------------------------------------------------

def test_the_table_covers_every_company_bound_model() -> None:
    registry = make_registry("sqlite")
    bound = {name for name in registry.models
             if "company_id" in registry[name]._fields
             and registry[name]._fields["company_id"].is_column}
    assert bound | {"res.company"} <= set(MODELS), sorted(bound - set(MODELS))
    assert set(MODELS) == set(WRITES)


# ---------------------------------------------------------------------------
# Record by record: search, read, write, unlink
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("login", USERS_OF_A)
@pytest.mark.parametrize("model", MODELS)
async def test_records_of_the_other_restaurant(fronts: Fronts, orm: Any, world: World,
                                               login: str, model: str) -> None:
    mine, theirs = world.a.records.get(model), world.b.records[model]
    can = await rights(orm, login, model)
    before = await snapshot(orm, world)

    # searching: B's record is simply not found (or the model is not readable at all)
    searches: list[tuple[str, tuple, dict[str, Any], Any]] = [
        ("search", ([["id", "=", theirs]],), {}, []),
        ("search", ([["id", "in", [theirs] + ([mine] if mine else [])]],), {},
         [mine] if mine else []),
        ("search_count", ([["id", "=", theirs]],), {}, 0),
        ("search_read", ([["id", "=", theirs]],), {"fields": ["display_name"]}, []),
        ("name_search", ("",), {"args": [["id", "=", theirs]]}, []),
    ]
    if model != "res.company":
        searches.append(("search", ([["company_id", "=", world.b.company]],), {}, []))
    for method, args, kwargs, expected in searches:
        if not can["read"]:
            await refused(fronts, orm, world, login, model, method, args, kwargs,
                          message=NO_RIGHT)
            continue
        result = await attempt(fronts, orm, login, model, method, args, kwargs)
        found = assert_ok(result.answer)
        assert result.error is None, result.error
        assert found == expected and result.value == expected, (login, model, method, found)
    exists = await attempt(fronts, orm, login, model, "exists", ([theirs],))
    assert assert_ok(exists.answer) == [] and exists.value == []

    # by id: AccessError naming the id only
    by_id = [("read", ([theirs],), {}), ("read", ([theirs], ["display_name"]), {}),
             ("name_get", ([theirs],), {}), ("web_read", ([theirs], {"display_name": {}}), {}),
             ("copy", ([theirs],), {})]
    if mine:
        by_id.append(("read", ([mine, theirs], ["display_name"]), {}))
    for method, args, kwargs in by_id:
        message = await refused(fronts, orm, world, login, model, method, args, kwargs)
        if can["read"]:
            assert HIDDEN in message and f"({theirs},)" in message, message
    for vals in WRITES[model]:
        for ids in ([theirs], [mine, theirs]) if mine else ([theirs],):
            message = await refused(fronts, orm, world, login, model, "write", (ids, vals))
            if can["write"] and "commission_rate" not in vals:     # (the owner's field)
                assert f"({theirs},)" in message, (vals, message)
    message = await refused(fronts, orm, world, login, model, "unlink", ([theirs],))
    if can["unlink"]:
        assert HIDDEN in message and f"({theirs},)" in message, message

    assert await snapshot(orm, world) == before

    # the control: B's staff of the same role find, read and change the same record
    other = COUNTERPART[login]
    their_rights = await rights(orm, other, model)
    assert their_rights == can
    if can["read"]:
        assert await allowed(fronts, orm, other, model, "search", ([["id", "=", theirs]],)) \
            == [theirs]
        (record,) = await allowed(fronts, orm, other, model, "read",
                                  ([theirs], ["display_name"]))
        assert record["id"] == theirs
    if can["write"] and model not in NO_WRITE_CONTROL:
        vals = WRITES[model][0]
        if model == "restaurant.table" and login == "waiter":
            vals = {"waiter_id": False}    # the floor plan is the manager's
        assert await allowed(fronts, orm, other, model, "write", ([theirs], vals)) is True


# ---------------------------------------------------------------------------
# Business methods of the point of sale on B's records
# ---------------------------------------------------------------------------

def _refusals(w: World) -> list[tuple[str, str, str, tuple, dict[str, Any], str, str | None]]:
    """(login, model, method, args, kwargs, error, message) A's staff are refused."""
    a, b = w.a, w.b
    day = FAR
    b_line = {"product_id": b.product["id"], "qty": 1, "price_unit": b.product["list_price"]}
    a_sale = [line(a.product)], [payment(a.cash, a.product["list_price"])]
    cases: list[tuple[str, str, str, tuple, dict[str, Any], str, str | None]] = []

    def add(login: str, model: str, method: str, args: tuple = (),
            kwargs: dict[str, Any] | None = None, error: str = ACCESS_ERROR,
            message: str | None = None) -> None:
        cases.append((login, model, method, args, kwargs or {}, error, message))

    on = lambda record: f"({record},)"    # noqa: E731 - the id named by the AccessError
    # -- orders
    for login in ("waiter", "manager"):
        add(login, "pos.order", "action_pos_order_paid", ([b.draft],), message=on(b.draft))
        add(login, "pos.order", "action_pos_order_cancel", ([b.draft],), message=on(b.draft))
        add(login, "pos.order", "action_pos_order_invoice", ([b.paid],), message=on(b.paid))
        add(login, "pos.order", "add_payment", ([b.draft], {
            "payment_method_id": b.cash, "amount": 1}), message=on(b.draft))
        add(login, "pos.order", "remove_from_ui", ([b.draft],), message=on(b.draft))
        add(login, "pos.order", "set_kitchen_status", ([b.draft], "ready"), message=on(b.draft))
        add(login, "pos.order", "move_to_table", ([a.draft], b.table), message=on(b.table))
        add(login, "pos.order", "move_to_table", ([b.draft], a.table), message=on(b.draft))
        add(login, "pos.order", "move_to_table", ([b.draft], b.table), message=on(b.draft))
        add(login, "pos.order", "move_to_table", ([a.draft], b.table), {"merge": True},
            message=on(b.table))
        add(login, "pos.order", "split_order", ([b.draft], [b.line]), message=on(b.draft))
        add(login, "pos.order", "split_order", ([b.draft], {str(b.line): 1}),
            message=on(b.draft))
        add(login, "pos.order", "merge_orders", ([a.draft, b.draft],), message=on(b.draft))
        add(login, "pos.order", "merge_orders", ([a.draft],), {"target_id": b.draft},
            message=on(b.draft))
        add(login, "pos.order", "merge_orders", ([b.draft],), {"target_id": a.draft},
            message=on(b.draft))
        add(login, "pos.order", "write", ([a.draft], {"lines": [[4, b.line]]}),
            message=on(b.line))
        add(login, "pos.order", "write", ([a.draft], {"lines": [[6, 0, [b.line]]]}),
            message=on(b.line))
        add(login, "pos.order", "create_from_ui", ([order_payload(
            new_uid(), b.session, [line(b.product)], [payment(b.cash, b.product["list_price"])])],),
            message=on(b.session))
        add(login, "pos.order", "create_from_ui", ([order_payload(
            new_uid(), b.session, [line(b.product)], [])],), {"draft": True},
            message=on(b.session))
        add(login, "pos.order", "sync_from_ui", ([sync_payload(
            new_uid(), b.session, [[0, 0, dict(b_line, uuid=new_uid())]], [])],),
            message=on(b.session))
        add(login, "pos.order.line", "set_kitchen_status", ([b.line], "ready"),
            message=on(b.line))
        add(login, "pos.order.line", "create", (dict(b_line, order_id=b.draft),),
            message=on(b.draft))
        add(login, "pos.payment", "create", ({"pos_order_id": b.draft,
                                              "payment_method_id": b.cash, "amount": 1},),
            message=on(b.draft))
        add(login, "pos.payment", "unlink", ([b.payment],), message=on(b.payment)
            if login == "manager" else None)
    add("kitchen", "pos.order", "set_kitchen_status", ([b.draft], "ready"), message=on(b.draft))
    add("kitchen", "pos.order.line", "set_kitchen_status", ([b.line], "served"),
        message=on(b.line))
    # -- sessions and tills
    for login in ("waiter", "manager"):
        session = ([b.session],)
        add(login, "pos.session", "post_closing_cash_details", session, {"counted_cash": 1},
            message=on(b.session))
        add(login, "pos.session", "close_session_from_ui", session, message=on(b.session))
        add(login, "pos.session", "close_session_from_ui", session,
            {"bank_payment_method_diff_pairs": []}, message=on(b.session))
        add(login, "pos.session", "get_closing_control_data", session, message=on(b.session))
        add(login, "pos.session", "set_cashbox_pos", ([b.session], 10, ""),
            message=on(b.session))
        add(login, "pos.session", "action_pos_session_open", session, message=on(b.session))
        add(login, "pos.session", "action_pos_session_closing_control", session,
            message=on(b.session))
        add(login, "pos.session", "update_closing_control_state_session", ([b.session], "x"),
            message=on(b.session))
        add(login, "pos.session", "login", session, message=on(b.session))
        add(login, "pos.session", "get_session_totals", session, message=on(b.session))
        add(login, "pos.session", "create", ({"config_id": b.config},), message=on(b.config))
        add(login, "pos.config", "open_ui", ([b.config],), message=on(b.config))
    # -- floor, tables, bookings
    for login in ("waiter", "manager"):
        add(login, "restaurant.table", "set_status", ([b.table], "cleaning"),
            message=on(b.table))
        add(login, "restaurant.table", "set_status", ([b.table], "available"),
            message=on(b.table))
        add(login, "restaurant.table", "are_orders_still_in_draft", ([b.table],),
            message=on(b.table))
        add(login, "restaurant.table", "create_from_ui", ({"id": b.table, "name": "x"},),
            message=on(b.table))
        add(login, "restaurant.table", "create_from_ui", ({"id": b.table, "waiter_id": False},),
            message=on(b.table))
        for action in ("action_confirm", "action_seat", "action_cancel", "action_no_show"):
            add(login, "restaurant.reservation", action, ([b.reservation],),
                message=on(b.reservation))
    add("manager", "restaurant.floor", "deactivate_floor", ([b.floor],), message=on(b.floor))
    add("manager", "restaurant.floor", "rename_floor", ([b.floor], "x"), message=on(b.floor))
    add("waiter", "restaurant.floor", "deactivate_floor", ([b.floor],), message=NO_RIGHT)
    # -- stock
    for login in ("waiter", "manager"):
        add(login, "stock.quant", "get_quantities", ([b.stored],), message=on(b.stored))
        add(login, "stock.quant", "get_quantities", ([a.product["id"], b.stored],),
            message=on(b.stored))
    add("manager", "stock.quant", "adjust", (b.stored,), {"quantity": 5, "reason": "count"},
        message=on(b.stored))
    add("manager", "stock.quant", "adjust", (b.stored,), {"delta": -20, "reason": "waste"},
        message=on(b.stored))
    add("waiter", "stock.quant", "adjust", (b.stored,), {"quantity": 5, "reason": "count"},
        message=NO_RIGHT)
    # -- reports, companies
    add("manager", "pos.report.sales", "daily_sales", WIDE, {"company_id": b.company},
        message=COMPANIES_REFUSED)
    add("manager", "pos.report.sales", "daily_sales", WIDE, {"company_id": w.platform},
        message=COMPANIES_REFUSED)
    add("waiter", "pos.report.sales", "daily_sales", WIDE, {"company_id": b.company},
        message=NO_RIGHT)
    add("manager", "res.company", "commission_report", WIDE, {"company_ids": [b.company]},
        message=COMPANIES_REFUSED)
    add("manager", "res.company", "commission_report", WIDE,
        {"company_ids": [a.company, b.company]}, message=COMPANIES_REFUSED)
    add("manager", "res.company", "commission_report", WIDE, {"company_ids": [w.platform]},
        message=COMPANIES_REFUSED)
    add("waiter", "res.company", "commission_report", WIDE, {"company_ids": [b.company]})
    add("manager", "res.company", "platform_earnings", WIDE, {"platform_id": w.platform})
    for login in ("waiter", "manager", "kitchen"):
        add(login, "res.users", "switch_company", (b.company,), message=COMPANIES_REFUSED)
        add(login, "res.users", "switch_company", (w.platform,), message=COMPANIES_REFUSED)
    add("manager", "res.company", "write", ([b.company], {"reservation_lead_minutes": 1}),
        message=on(b.company))
    add("manager", "pos.order", "read_group", ([], ["amount_total:sum"], ["company_id"]),
        {"context": {"allowed_company_ids": [b.company]}}, message=COMPANIES_REFUSED)
    # -- loyalty and feature flags: B's customer's points, B's flags
    b_customer = b.records["res.partner"]
    for login in ("waiter", "manager"):
        add(login, "loyalty.card", "get_loyalty", (b_customer,), message=on(b_customer))
        add(login, "loyalty.card", "adjust", (b_customer, 5, "gift"),
            message=on(b_customer) if login == "manager" else NO_RIGHT)
        add(login, "gateway.feature.flag", "set_flag", ("kitchen.auto_print", False),
            {"context": {"allowed_company_ids": [b.company]}}, message=COMPANIES_REFUSED)

    # -- links from A's records to B's: the ORM's refusal of a link to a record the
    #    caller cannot see (docs/decisions.md), whatever the path
    def a_order(**data: Any) -> dict[str, Any]:
        return order_payload(new_uid(), a.session, *a_sale, **data)
    refund = order_payload(new_uid(), a.session, [line(a.product, -1,
                                                       refunded_orderline_id=b.sold_line)],
                           [payment(a.cash, -a.product["list_price"])])
    for login in ("waiter", "manager"):
        add(login, "pos.order", "create_from_ui", ([refund],), error=VALIDATION_ERROR,
            message="does not exist in this restaurant")
        add(login, "pos.order", "create_from_ui", ([order_payload(
            new_uid(), a.session, [line(b.product)], [])],), {"draft": True},
            error=VALIDATION_ERROR, message="is not on this restaurant's menu")
        add(login, "pos.order", "create_from_ui", ([a_order(table_id=b.table)],),
            error=VALIDATION_ERROR, message="is not a table of this restaurant")
        add(login, "pos.order", "create_from_ui", ([a_order(
            partner_id=b.records["res.partner"])],), error=VALIDATION_ERROR,
            message="belongs to another restaurant")
        add(login, "pos.order", "create_from_ui", ([order_payload(
            new_uid(), a.session, [line(a.product)], [payment(b.cash, a.product["list_price"])])],),
            error=VALIDATION_ERROR, message="is not available at this till")
        add(login, "pos.order", "add_payment", ([a.draft], {
            "payment_method_id": b.cash, "amount": 1}), error=VALIDATION_ERROR,
            message="is not available at this till")
        add(login, "pos.order.line", "create", ({
            "order_id": a.draft, "product_id": a.product["id"], "qty": -1,
            "price_unit": a.product["list_price"], "refunded_orderline_id": b.sold_line},),
            error=VALIDATION_ERROR, message="does not exist")
        add(login, "pos.order", "write", ([a.draft], {"table_id": b.table}),
            error=VALIDATION_ERROR, message="does not exist")
        add(login, "pos.order", "write", ([a.draft], {"partner_id": b.records["res.partner"]}),
            error=VALIDATION_ERROR, message="does not exist")
        add(login, "restaurant.reservation", "create", ({
            "table_id": b.table, "name": "Sneaky", "covers": 1,
            "start_datetime": f"{day} 12:00:00", "end_datetime": f"{day} 13:00:00"},),
            error=VALIDATION_ERROR, message="does not exist")
    add("manager", "restaurant.floor", "create_from_ui", ("Sneaky floor",),
        {"config_id": b.config}, error=MISSING_ERROR, message=on(b.config))
    add("manager", "restaurant.table", "create_from_ui", ({"name": "Sneaky",
                                                            "floor_id": b.floor},),
        error=VALIDATION_ERROR, message="does not exist")
    return cases


async def test_business_methods_on_the_other_restaurant(fronts: Fronts, orm: Any,
                                                        world: World) -> None:
    before = await snapshot(orm, world)
    for login, model, method, args, kwargs, error, message in _refusals(world):
        await refused(fronts, orm, world, login, model, method, args, kwargs, error, message)
    assert await snapshot(orm, world) == before


async def test_answers_leave_the_other_restaurant_out(fronts: Fronts, orm: Any,
                                                      world: World) -> None:
    """What A's staff ask of their own restaurant answers nothing of B."""
    a, b = world.a, world.b
    before = await snapshot(orm, world)
    a_sessions = await orm.run(lambda env: env["pos.session"].search(
        [("company_id", "=", a.company)]))
    for login in ("waiter", "manager"):
        for domain in ([["company_id", "=", b.company]], [["table_id", "=", b.table]],
                       [["session_id", "=", b.session]], [["lines", "in", [b.line]]],
                       [["partner_id.company_id", "=", b.company]]):
            groups = await allowed(fronts, orm, login, "pos.order", "read_group",
                                   (domain, ["amount_total:sum"], ["company_id"]))
            assert groups == [], (login, domain, groups)
        groups = await allowed(fronts, orm, login, "pos.order", "read_group", (
            [["company_id", "in", [a.company, b.company]]], ["amount_total:sum"],
            ["company_id"]))
        assert [g["company_id"][0] for g in groups] == [a.company]
        groups = await allowed(fronts, orm, login, "pos.order", "read_group",
                               ([], ["amount_total:sum"], ["table_id", "session_id"]),
                               {"lazy": False})
        assert b.table not in [g["table_id"] and g["table_id"][0] for g in groups]
        assert a.session in {g["session_id"][0] for g in groups}
        assert {g["session_id"][0] for g in groups} <= set(a_sessions)
        lines = await allowed(fronts, orm, login, "pos.order.line", "search",
                              ([["order_id", "=", b.draft]],))
        assert lines == []
        tables = await allowed(fronts, orm, login, "restaurant.table", "find_free_tables",
                               (f"{FAR} 19:00:00",), {"duration": 2})
        assert tables and b.table not in tables
        statuses = await allowed(fronts, orm, login, "restaurant.table", "sync_status", ())
        assert statuses and b.table not in [s["id"] for s in statuses]
        stock = await allowed(fronts, orm, login, "stock.quant", "get_quantities", ())
        assert b.stored not in [s["product_id"] for s in stock]
        found = await allowed(fronts, orm, login, "product.product", "name_search",
                              (b.product["name"],))
        assert b.product["id"] not in [f[0] for f in found]
        for model in ("pos.payment", "pos.session", "pos.config", "pos.payment.method",
                      "restaurant.reservation"):
            ids = await allowed(fronts, orm, login, model, "search", ([],))
            assert world.b.records.get(model) not in ids, model
    report = await allowed(fronts, orm, "manager", "pos.report.sales", "daily_sales", WIDE)
    assert report["company_id"] == a.company
    clean(world, repr(report), "daily_sales")
    commissions = await allowed(fronts, orm, "manager", "res.company", "commission_report",
                                WIDE)
    assert [r["company_id"] for r in commissions["restaurants"]] == [a.company]
    clean(world, repr(commissions), "commission_report")
    assert await snapshot(orm, world) == before


# ---------------------------------------------------------------------------
# The control: B's own staff make the same calls on the same records
# ---------------------------------------------------------------------------

async def test_the_other_restaurant_s_staff_may(fronts: Fronts, orm: Any, world: World) -> None:
    b = world.b
    waiter, manager = "sushi.waiter", "sushi.manager"
    # read-only business methods: both paths
    data = await allowed(fronts, orm, waiter, "pos.session", "get_closing_control_data",
                         ([b.session],))
    assert data["orders_details"]["quantity"] >= 1
    (totals,) = await allowed(fronts, orm, waiter, "pos.session", "get_session_totals",
                              ([b.session],))
    assert totals["id"] == b.session
    assert await allowed(fronts, orm, waiter, "restaurant.table", "are_orders_still_in_draft",
                         ([b.table],)) is False
    (stock,) = await allowed(fronts, orm, manager, "stock.quant", "get_quantities", ([b.stored],))
    assert stock["tracked"] and stock["quantity"] == 20
    report = await allowed(fronts, orm, manager, "pos.report.sales", "daily_sales", WIDE,
                           {"company_id": b.company})
    assert report["company_id"] == b.company and report["order_count"] >= 1
    commissions = await allowed(fronts, orm, manager, "res.company", "commission_report", WIDE,
                                {"company_ids": [b.company]})
    assert [r["company_id"] for r in commissions["restaurants"]] == [b.company]
    context = await allowed(fronts, orm, waiter, "res.users", "switch_company", (b.company,))
    assert context["allowed_company_ids"] == [b.company]
    groups = await allowed(fronts, orm, waiter, "pos.order", "read_group",
                           ([["company_id", "=", b.company]], ["amount_total:sum"],
                            ["company_id"]))
    assert [g["company_id"][0] for g in groups] == [b.company]
    # changes: call_kw only, each on the state the previous one left
    answer = await allowed(fronts, orm, waiter, "pos.session", "post_closing_cash_details",
                           ([b.session],), {"counted_cash": 1}, in_process=False)
    assert answer["successful"] is False        # B's open orders keep it open: refused as such
    assert await allowed(fronts, orm, waiter, "pos.order", "set_kitchen_status",
                         ([b.draft], "preparing"), in_process=False) is True
    assert await allowed(fronts, orm, waiter, "pos.order.line", "set_kitchen_status",
                         ([b.line], "ready"), in_process=False) is True
    assert await allowed(fronts, orm, waiter, "restaurant.table", "set_status",
                         ([b.table], "cleaning"), in_process=False) == {str(b.table): "cleaning"}
    assert await allowed(fronts, orm, waiter, "restaurant.reservation", "action_cancel",
                         ([b.reservation],), in_process=False) is True
    assert await allowed(fronts, orm, waiter, "pos.order", "add_payment", ([b.draft], {
        "payment_method_id": b.cash, "amount": 1}), in_process=False)
    assert await allowed(fronts, orm, waiter, "pos.order", "move_to_table",
                         ([b.draft], b.table), in_process=False) == [b.draft]
    (created,) = await allowed(fronts, orm, waiter, "pos.order", "create_from_ui", ([
        order_payload(new_uid(), b.session, [line(b.product)],
                      [payment(b.cash, b.product["list_price"])])],), in_process=False)
    assert created["id"]
    adjusted = await allowed(fronts, orm, manager, "stock.quant", "adjust", (b.stored,),
                             {"delta": 5, "reason": "restock"}, in_process=False)
    assert adjusted["product_id"] == b.stored
    assert await allowed(fronts, orm, waiter, "pos.order", "action_pos_order_cancel",
                         ([b.draft],), in_process=False) is True


async def test_ids_and_uuids_of_the_other_restaurant_in_a_payload(fronts: Fronts, orm: Any,
                                                                  world: World) -> None:
    """What a point of sale sends names orders by uuid and lines by id: B's never match."""
    a, b = world.a, world.b
    rows = await orm.run(lambda env: env["pos.order"].read([a.draft, b.draft], ["uuid"]))
    a_uuid, b_uuid = (row["uuid"] for row in rows)
    assert a_uuid and b_uuid
    before = await snapshot(orm, world)
    # an Odoo 18 update naming B's line: not a line of this order (as pos.order.write's
    # [1, id, values] command: MissingError)
    await refused(fronts, orm, world, "waiter", "pos.order", "sync_from_ui", ([sync_payload(
        new_uid(), a.session, [[1, b.line, {"qty": 5}]], [], state="draft")],),
        error=MISSING_ERROR, message=f"({b.line},)")
    # B's uuid in A's session: a new order of A, B's order untouched
    (created,) = await allowed(fronts, orm, "waiter", "pos.order", "create_from_ui", ([
        order_payload(b_uuid, a.session, [line(a.product)], [])],), {"draft": True},
        in_process=False)
    assert created["id"] != b.draft
    (order,) = await orm.run(lambda env: env["pos.order"].read([created["id"]], ["company_id"],
                                                               load=None))
    assert order["company_id"] == a.company
    # A's draft resent deleting B's line and payment: only A's order is concerned
    answer = await allowed(fronts, orm, "waiter", "pos.order", "sync_from_ui", ([sync_payload(
        a_uuid, a.session, [[2, b.line]], [[2, b.payment]], state="draft")],),
        in_process=False)
    assert [o["id"] for o in answer["pos.order"]] == [a.draft]
    clean(world, repr(answer), "sync_from_ui")
    after = await snapshot(orm, world)
    assert {k: v for k, v in after.items() if k in MODELS} == \
        {k: v for k, v in before.items() if k in MODELS}
