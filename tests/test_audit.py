"""The audit log: every change of an audited model, by whom, in the change's transaction.

One table (``CASES``) describes each audited model: what a user creates, what
they then change (and so the old and new values the log must hold), who
deletes it, and the restaurant the rows belong to. Every case is run for
create, write and unlink. Then: superuser business code logged with the
real author, what business code writing with raw SQL logs (orders sent by a
point of sale, resent drafts, invoicing, merged bills, a session's life; not
the kitchen's progress), nothing after a rollback, no row when nothing
audited changed, many2many changes, secrets, the log's read-only-ness, and
who reads which rows (two restaurants of one platform, and a second platform).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from models import security
from models.exceptions import AccessError
from tests.support import call_kw, login

@dataclass
class Ctx:
    companies: dict[str, int]
    users: dict[str, int]
    session: int
    cash: int
    product: int
    order: int                       # a draft order of Bistro Centrale
    config: int = 0                  # a till of its own, without a session (made per test)
    groups: dict[str, int] = field(default_factory=dict)


@pytest.fixture
async def ctx(orm: Any) -> Ctx:
    async def build(env: Any) -> Ctx:
        data = env["ir.model.data"]
        companies = {key: await data._xmlid_to_res_id(xmlid) for key, xmlid in (
            ("platform", "gateway_demo.platform"), ("bistro", "gateway_demo.restaurant_bistro"),
            ("sushi", "gateway_demo.restaurant_sushi"))}
        users = {}
        for login_name in ("admin", "owner", "manager", "waiter", "sushi.manager"):
            (users[login_name],) = await env["res.users"].search([("login", "=", login_name)])
        bistro = [("company_id", "=", companies["bistro"])]
        (session,) = await env["pos.session"].search(bistro + [("state", "=", "opened")], limit=1)
        (cash,) = await env["pos.payment.method"].search(bistro + [("type", "=", "cash")], limit=1)
        (product,) = await env["product.product"].search(bistro, limit=1)
        order = await env["pos.order"].create({"session_id": session, "note": "a draft"})
        config = await env["pos.config"].create({"name": "Audit Till",
                                                 "company_id": companies["bistro"]})
        groups = {g: await data._xmlid_to_res_id(g) for g in (security.USER, security.POS_USER)}
        return Ctx(companies, users, session, cash, product, order, config, groups)
    return await orm.run(build)


@dataclass
class Case:
    model: str
    create: Callable[[Ctx], dict[str, Any]]    # values a user creates a record with
    created: dict[str, Any]                    # of which the log must show (JSON form)
    write: dict[str, Any]
    old: dict[str, Any]                        # exactly the changed fields, before
    new: dict[str, Any]                        # ... and after
    creator: str = "manager"
    writer: str = "manager"                    # '+sudo': the user's business code as superuser
    deleter: str = "manager"
    company: str = "bistro"                    # None: the record is a company (its own)


CASES = [
    Case("pos.order", lambda c: {"session_id": c.session, "note": "audit me",
                                 "customer_count": 2},
         {"note": "audit me", "customer_count": 2, "state": "draft"},
         {"note": "changed", "customer_count": 3},
         {"note": "audit me", "customer_count": 2}, {"note": "changed", "customer_count": 3},
         creator="manager+sudo"),       # clients send orders with create_from_ui (below)
    Case("pos.order.line", lambda c: {"order_id": c.order, "product_id": c.product, "qty": 2,
                                      "full_product_name": "Audit line"},
         {"qty": 2.0, "full_product_name": "Audit line"},
         {"customer_note": "no salt"}, {"customer_note": None}, {"customer_note": "no salt"}),
    Case("pos.payment", lambda c: {"pos_order_id": c.order, "payment_method_id": c.cash,
                                   "amount": 5.0},
         {"amount": 5.0},
         {"card_type": "visa"}, {"card_type": None}, {"card_type": "visa"},
         writer="manager+sudo"),
    Case("pos.session", lambda c: {"config_id": c.config, "opening_notes": "float ok"},
         {"opening_notes": "float ok"},
         {"closing_notes": "all counted"}, {"closing_notes": None},
         {"closing_notes": "all counted"}),
    Case("pos.config", lambda c: {"name": "Terrace Bar"}, {"name": "Terrace Bar"},
         {"receipt_footer": "Thanks!", "name": "Terrace Bar"},
         {"receipt_footer": None}, {"receipt_footer": "Thanks!"}),
    Case("pos.payment.method", lambda c: {"name": "Voucher", "type": "bank"},
         {"name": "Voucher", "type": "bank"},
         {"name": "Gift card"}, {"name": "Voucher"}, {"name": "Gift card"}),
    Case("account.tax", lambda c: {"name": "VAT 6%", "amount": 6},
         {"name": "VAT 6%", "amount": 6.0},
         {"amount": 6.5}, {"amount": 6.0}, {"amount": 6.5}),
    Case("product.product", lambda c: {"name": "Audit Soup", "list_price": 5.5,
                                       "standard_price": 1.2, "description": "hot"},
         {"list_price": 5.5, "standard_price": 1.2},
         {"list_price": 6, "description": "very hot", "name": "Audit Broth"},
         {"list_price": 5.5}, {"list_price": 6.0}),
    Case("res.users", lambda c: {"login": "audit.cook", "name": "Audit Cook",
                                 "password": "secret-pw-123",
                                 "groups_id": [(6, 0, [c.groups[security.POS_USER]])]},
         {"login": "audit.cook", "name": "Audit Cook"},
         {"name": "Audit Chef", "password": "another-pw-456"},
         {"name": "Audit Cook"}, {"name": "Audit Chef"}, deleter="admin"),
    Case("res.company", lambda c: {"name": "Audit Grill", "parent_id": c.companies["platform"],
                                   "commission_rate": 4},
         {"name": "Audit Grill", "commission_rate": 4.0},
         {"commission_rate": 5.5, "phone": "+32 9 000"},
         {"commission_rate": 4.0, "phone": None}, {"commission_rate": 5.5, "phone": "+32 9 000"},
         creator="owner", writer="owner", deleter="owner", company=""),
]
AUDITED = {case.model for case in CASES}


PARAMS = [pytest.param(case, id=case.model) for case in CASES]


async def logs(orm: Any, model: str, res_id: int) -> list[dict[str, Any]]:
    """The record's log rows, oldest first, as the superuser reads them."""
    rows = await orm.run(lambda env: env["audit.log"].search_read(
        [("model", "=", model), ("res_id", "=", res_id)],
        ["user_id", "date", "operation", "old_values", "new_values", "company_id"],
        order="id asc"))
    for row in rows:
        row["old"] = json.loads(row["old_values"]) if row["old_values"] else None
        row["new"] = json.loads(row["new_values"]) if row["new_values"] else None
        row["user_id"] = row["user_id"][0] if row["user_id"] else False
        row["company_id"] = row["company_id"][0] if row["company_id"] else False
    return rows


async def run_as(orm: Any, who: str, fn: Callable[[Any], Any]) -> Any:
    login_name, _, sudo = who.partition("+")
    return await orm.run(lambda env: fn(env.sudo() if sudo else env), login=login_name)


async def make(orm: Any, ctx: Ctx, case: Case, who: str | None = None) -> int:
    if who is None:     # business code: superuser, for admin who works in Bistro Centrale
        who = "admin+sudo"
    return await run_as(orm, who, lambda env: env[case.model].create(case.create(ctx)))


def company_of(ctx: Ctx, case: Case, record_id: int) -> int:
    return ctx.companies[case.company] if case.company else record_id


@pytest.mark.parametrize("case", PARAMS)
async def test_create_is_logged(orm: Any, ctx: Ctx, case: Case) -> None:
    record_id = await make(orm, ctx, case, case.creator)
    (row,) = await logs(orm, case.model, record_id)
    assert (row["operation"], row["user_id"], row["company_id"], row["old"]) == (
        "create", ctx.users[case.creator.split("+")[0]], company_of(ctx, case, record_id), None)
    assert row["new"].items() >= case.created.items(), row["new"]


@pytest.mark.parametrize("case", PARAMS)
async def test_write_is_logged_with_old_and_new_values(orm: Any, ctx: Ctx, case: Case) -> None:
    record_id = await make(orm, ctx, case)
    before = len(await logs(orm, case.model, record_id))
    await run_as(orm, case.writer, lambda env: env[case.model].write([record_id], case.write))
    rows = await logs(orm, case.model, record_id)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row["operation"], row["user_id"], row["company_id"]) == (
        "write", ctx.users[case.writer.split("+")[0]], company_of(ctx, case, record_id))
    assert (row["old"], row["new"]) == (case.old, case.new)


@pytest.mark.parametrize("case", PARAMS)
async def test_unlink_is_logged_with_the_old_values(orm: Any, ctx: Ctx, case: Case) -> None:
    record_id = await make(orm, ctx, case)
    await run_as(orm, case.deleter, lambda env: env[case.model].unlink([record_id]))
    row = (await logs(orm, case.model, record_id))[-1]
    assert (row["operation"], row["user_id"], row["company_id"], row["new"]) == (
        "unlink", ctx.users[case.deleter], company_of(ctx, case, record_id), None)
    assert row["old"].items() >= case.created.items(), row["old"]


def test_every_audited_model_says_so(orm: Any) -> None:
    """The class attribute the ORM reads, on each model the issue names."""
    registry = orm.registry
    assert {name for name in registry if registry[name]._audit} >= AUDITED
    assert registry["product.product"]._audit == ("list_price", "standard_price")


# -- who, when, and in which transaction --------------------------------------------------

async def test_superuser_business_code_is_logged_with_the_real_user(orm: Any, ctx: Ctx) -> None:
    """A business method writing read-only fields as superuser: the author is the user."""
    await orm.run(lambda env: env.sudo()["pos.order"].write([ctx.order], {"state": "cancel"}),
                  login="waiter")
    row = (await logs(orm, "pos.order", ctx.order))[-1]
    assert (row["user_id"], row["old"], row["new"]) == (
        ctx.users["waiter"], {"state": "draft"}, {"state": "cancel"})


async def test_a_state_change_by_a_business_method_is_logged(orm: Any, ctx: Ctx) -> None:
    await orm.run(lambda env: env["pos.order"].action_pos_order_cancel([ctx.order]),
                  login="waiter")
    row = (await logs(orm, "pos.order", ctx.order))[-1]
    assert (row["user_id"], row["old"], row["new"]) == (
        ctx.users["waiter"], {"state": "draft"}, {"state": "cancel"})


async def test_an_order_sent_by_the_pos_is_logged(orm: Any, ctx: Ctx) -> None:
    (product,) = await orm.run(lambda env: env["product.product"].read(
        [ctx.product], ["list_price", "display_name"]))
    uid = "00042-001-0001"
    order = {"id": uid, "to_invoice": False, "data": {
        "name": f"Order {uid}", "uid": uid, "pos_session_id": ctx.session, "sequence_number": 1,
        "user_id": ctx.users["waiter"], "partner_id": False, "date_order": "2031-01-01 10:00:00",
        "amount_total": product["list_price"], "amount_tax": 0, "amount_paid": 0,
        "amount_return": 0, "server_id": False, "to_invoice": False, "statement_ids": [],
        "lines": [[0, 0, {"qty": 1, "price_unit": product["list_price"], "discount": 0,
                          "product_id": ctx.product, "full_product_name": product["display_name"]}]]}}
    (sent,) = await orm.run(lambda env: env["pos.order"].create_from_ui([order], True),
                            login="waiter")
    rows = await logs(orm, "pos.order", sent["id"])
    assert [(r["operation"], r["user_id"]) for r in rows] == [("create", ctx.users["waiter"])]


# -- business code writing with raw SQL (models/audit.py, "Raw SQL" and "Batches") ---------

def pos_order(ctx: Ctx, uid: str, lines: list[dict[str, Any]], payments: list[dict[str, Any]],
              **data: Any) -> dict[str, Any]:
    """An order as an Odoo 16 point of sale sends it (create_from_ui)."""
    return {"id": uid, "data": {
        "name": f"Order {uid}", "uid": uid, "pos_session_id": ctx.session, "sequence_number": 1,
        "user_id": ctx.users["waiter"], "partner_id": False, "date_order": "2031-01-01 10:00:00",
        "amount_total": 0, "amount_tax": 0, "amount_paid": 0, "amount_return": 0,
        "server_id": False, "to_invoice": False,
        "lines": [[0, 0, {"product_id": ctx.product, "discount": 0, **vals}] for vals in lines],
        "statement_ids": [[0, 0, {"payment_method_id": ctx.cash, **vals}] for vals in payments],
        **data}}


async def send(orm: Any, ctx: Ctx, order: dict[str, Any], draft: bool = False) -> int:
    (sent,) = await orm.run(lambda env: env["pos.order"].create_from_ui([order], draft),
                            login="waiter")
    return sent["id"]


async def price(orm: Any, ctx: Ctx) -> float:
    (product,) = await orm.run(lambda env: env["product.product"].read([ctx.product],
                                                                       ["list_price"]))
    return product["list_price"]


async def rows_of(orm: Any, model: str, res_ids: list[int]) -> list[dict[str, Any]]:
    """The log rows of these records, record after record."""
    rows = []
    for res_id in res_ids:
        rows += [dict(row, res_id=res_id) for row in await logs(orm, model, res_id)]
    return rows


async def entries(orm: Any, model: str, res_ids: list[int]) -> list[tuple[int, str]]:
    return [(row["res_id"], row["operation"]) for row in await rows_of(orm, model, res_ids)]


async def test_a_paid_order_is_logged_once_per_record(orm: Any, ctx: Ctx) -> None:
    """Inserted, totalled, paid and given its change in one request: one create entry
    per record, with the values it ends with, by the waiter, in one INSERT."""
    unit = await price(orm, ctx)
    inserts: list[str] = []

    async def run(env: Any) -> list[dict[str, Any]]:
        execute = env.cr.execute

        async def counting(sql: str, params: Any = ()) -> int:
            if sql.startswith('INSERT INTO "audit_log"'):
                inserts.append(sql)
            return await execute(sql, params)
        env.cr.execute = counting
        return await env["pos.order"].create_from_ui([pos_order(
            ctx, "00042-777-0001", [{"qty": 2, "price_unit": unit, "uuid": "l1"},
                                    {"qty": 1, "price_unit": unit, "uuid": "l2"}],
            [{"amount": 3 * unit + 5}])])

    (sent,) = await orm.run(run, login="waiter")
    assert len(inserts) == 1
    (order,) = await logs(orm, "pos.order", sent["id"])
    assert (order["operation"], order["user_id"], order["company_id"]) == (
        "create", ctx.users["waiter"], ctx.companies["bistro"])
    assert order["new"]["state"] == "paid" and order["new"]["name"] != "/"
    assert (order["new"]["amount_total"], order["new"]["amount_paid"],
            order["new"]["amount_return"]) == (3 * unit, 3 * unit, 5.0)
    records = await orm.run(lambda env: env["pos.order"].read(
        [sent["id"]], ["lines", "payment_ids"]))
    line_ids, payment_ids = records[0]["lines"], records[0]["payment_ids"]
    assert await entries(orm, "pos.order.line", line_ids) == [(i, "create") for i in line_ids]
    totals = sorted(row["new"]["price_subtotal_incl"]
                    for row in await rows_of(orm, "pos.order.line", line_ids))
    assert totals == [unit, 2 * unit]
    payments = [row["new"] for row in await rows_of(orm, "pos.payment", sorted(payment_ids))]
    assert [(p["amount"], p["is_change"]) for p in payments] == [(3 * unit + 5, False),
                                                                 (-5.0, True)]


async def test_a_resent_draft_logs_what_changed(orm: Any, ctx: Ctx) -> None:
    unit = await price(orm, ctx)
    uid = "00042-777-0002"
    order_id = await send(orm, ctx, pos_order(ctx, uid, [{"qty": 1, "uuid": "a"},
                                                         {"qty": 1, "uuid": "b"}], []), True)
    (record,) = await orm.run(lambda env: env["pos.order"].read([order_id], ["lines"]))
    kept, dropped = sorted(record["lines"])
    await send(orm, ctx, pos_order(ctx, uid, [{"qty": 3, "uuid": "a"}], [{"amount": unit}],
                                   customer_count=4), True)
    (order,) = (await logs(orm, "pos.order", order_id))[1:]
    assert (order["operation"], order["old"], order["new"]) == (
        "write", {"customer_count": 0, "amount_total": 2 * unit, "amount_paid": 0.0,
                  "amount_tax": order["old"]["amount_tax"]},
        {"customer_count": 4, "amount_total": 3 * unit, "amount_paid": unit,
         "amount_tax": order["new"]["amount_tax"]})
    (line,) = (await logs(orm, "pos.order.line", kept))[1:]
    assert (line["old"]["qty"], line["new"]["qty"]) == (1.0, 3.0)
    assert (line["old"]["price_subtotal_incl"], line["new"]["price_subtotal_incl"]) == (
        unit, 3 * unit)
    (gone,) = (await logs(orm, "pos.order.line", dropped))[1:]
    assert (gone["operation"], gone["old"]["uuid"], gone["new"]) == ("unlink", "b", None)
    (record,) = await orm.run(lambda env: env["pos.order"].read([order_id], ["payment_ids"]))
    (payment_id,) = record["payment_ids"]
    await send(orm, ctx, pos_order(ctx, uid, [{"qty": 3, "uuid": "a"}], [],
                                   customer_count=4), True)
    assert await entries(orm, "pos.payment", [payment_id]) == [(payment_id, "create"),
                                                                (payment_id, "unlink")]
    assert (await logs(orm, "pos.order", order_id))[-1]["new"] == {"amount_paid": 0.0}


async def test_invoicing_is_one_change(orm: Any, ctx: Ctx) -> None:
    unit = await price(orm, ctx)
    partner = await orm.run(lambda env: env["res.partner"].search([], limit=1),
                            login="waiter")
    order_id = await send(orm, ctx, pos_order(ctx, "00042-777-0003", [{"qty": 1}],
                                              [{"amount": unit}], partner_id=partner[0]))
    await orm.run(lambda env: env["pos.order"].action_pos_order_invoice([order_id]),
                  login="manager")
    row = (await logs(orm, "pos.order", order_id))[-1]
    assert (row["user_id"], row["old"], row["new"]) == (
        ctx.users["manager"], {"state": "paid", "to_invoice": False},
        {"state": "invoiced", "to_invoice": True})


async def test_the_kitchen_progress_is_not_logged(orm: Any, ctx: Ctx) -> None:
    order_id = await send(orm, ctx, pos_order(ctx, "00042-777-0004", [{"qty": 1}], []), True)
    (record,) = await orm.run(lambda env: env["pos.order"].read([order_id], ["lines"]))
    before = await entries(orm, "pos.order.line", record["lines"])
    await orm.run(lambda env: env["pos.order"].set_kitchen_status([order_id], "ready"),
                  login="kitchen")
    (row,) = await logs(orm, "pos.order", order_id)
    assert "kitchen_status" not in row["new"]
    assert await entries(orm, "pos.order.line", record["lines"]) == before


async def test_merging_bills_logs_every_row_moved(orm: Any, ctx: Ctx) -> None:
    unit = await price(orm, ctx)
    target = await send(orm, ctx, pos_order(ctx, "00042-777-0005", [{"qty": 1}], [],
                                            customer_count=2), True)
    source = await send(orm, ctx, pos_order(ctx, "00042-777-0006", [{"qty": 2}], [],
                                            customer_count=1), True)
    (record,) = await orm.run(lambda env: env["pos.order"].read([source], ["lines"]))
    await orm.run(lambda env: env["pos.order"].merge_orders([target, source], target),
                  login="waiter")
    (moved,) = record["lines"]
    row = (await logs(orm, "pos.order.line", moved))[-1]
    assert (row["user_id"], row["old"], row["new"]) == (
        ctx.users["waiter"], {"order_id": source}, {"order_id": target})
    row = (await logs(orm, "pos.order", target))[-1]
    assert (row["old"], row["new"]) == ({"customer_count": 2, "amount_total": unit,
                                         "amount_tax": row["old"]["amount_tax"]},
                                        {"customer_count": 3, "amount_total": 3 * unit,
                                         "amount_tax": row["new"]["amount_tax"]})
    row = (await logs(orm, "pos.order", source))[-1]
    assert (row["old"]["state"], row["new"]["state"], row["new"]["customer_count"],
            row["new"]["amount_total"]) == ("draft", "cancel", 0, 0.0)


async def test_splitting_a_bill_logs_what_moved(orm: Any, ctx: Ctx) -> None:
    unit = await price(orm, ctx)
    order_id = await send(orm, ctx, pos_order(ctx, "00042-777-0007", [{"qty": 3}, {"qty": 1}],
                                              []), True)
    (record,) = await orm.run(lambda env: env["pos.order"].read([order_id], ["lines"]))
    part, whole = sorted(record["lines"])
    new_id = await orm.run(lambda env: env["pos.order"].split_order(
        [order_id], [[part, 1], [whole, 1]]), login="waiter")
    (row,) = (await logs(orm, "pos.order.line", part))[1:]
    assert (row["user_id"], row["old"], row["new"]) == (
        ctx.users["waiter"], {"qty": 3.0, "price_subtotal_incl": 3 * unit,
                              "price_subtotal": row["old"]["price_subtotal"]},
        {"qty": 2.0, "price_subtotal_incl": 2 * unit,
         "price_subtotal": row["new"]["price_subtotal"]})
    (row,) = (await logs(orm, "pos.order.line", whole))[1:]
    assert (row["old"], row["new"]) == ({"order_id": order_id}, {"order_id": new_id})
    (created,) = await logs(orm, "pos.order", new_id)
    assert (created["operation"], created["user_id"], created["new"]["amount_total"]) == (
        "create", ctx.users["waiter"], 2 * unit)


async def test_a_session_life_is_logged(orm: Any, ctx: Ctx) -> None:
    """Opened with a cash count, counted and closed: each step one entry, by its author."""
    await orm.run(lambda env: env["pos.config"].write([ctx.config], {
        "cash_control": True, "payment_method_ids": [(6, 0, [ctx.cash])]}), login="manager")
    session = await orm.run(lambda env: env["pos.session"].create({"config_id": ctx.config}),
                            login="manager")
    (created,) = await logs(orm, "pos.session", session)
    assert created["new"]["state"] == "opening_control"
    assert created["new"]["name"] == f"POS/{session:05d}"
    await orm.run(lambda env: env["pos.session"].set_cashbox_pos([session], 100, "float ok"),
                  login="waiter")
    await orm.run(lambda env: env["pos.session"].post_closing_cash_details([session], 98),
                  login="waiter")
    await orm.run(lambda env: env["pos.session"].close_session_from_ui([session]),
                  login="manager")
    rows = (await logs(orm, "pos.session", session))[1:]
    assert [(r["user_id"], r["old"].get("state"), r["new"].get("state")) for r in rows] == [
        (ctx.users["waiter"], "opening_control", "opened"), (ctx.users["waiter"], None, None),
        (ctx.users["manager"], "opened", "closed")]
    assert rows[0]["new"]["cash_register_balance_start"] == 100.0
    assert rows[0]["new"]["opening_notes"] == "float ok"
    assert (rows[1]["old"], rows[1]["new"]) == (
        {"cash_register_balance_end_real": None, "cash_register_difference": None},
        {"cash_register_balance_end_real": 98.0, "cash_register_difference": -2.0})
    assert rows[2]["new"]["stop_at"]
    assert {r["company_id"] for r in rows} == {ctx.companies["bistro"]}


async def test_the_log_row_has_the_time_of_the_change(orm: Any, ctx: Ctx) -> None:
    case = next(c for c in CASES if c.model == "account.tax")
    record_id = await make(orm, ctx, case, "manager")
    (row,) = await logs(orm, case.model, record_id)
    (written,) = await orm.run(lambda env: env["account.tax"].read([record_id], ["write_date"]))
    assert row["date"] == written["write_date"]


async def test_nothing_is_logged_after_a_rollback(orm: Any, ctx: Ctx) -> None:
    case = next(c for c in CASES if c.model == "account.tax")
    record_id = await make(orm, ctx, case)
    before = await logs(orm, case.model, record_id)

    async def change_then_fail(env: Any) -> None:
        await env["account.tax"].write([record_id], {"amount": 99})
        await env["product.product"].create({"name": "Lost", "list_price": 1})
        raise RuntimeError("the request fails after the changes")

    with pytest.raises(RuntimeError):
        await orm.run(change_then_fail, login="manager")
    assert await logs(orm, case.model, record_id) == before
    assert not await orm.run(lambda env: env["audit.log"].search(
        [("model", "=", "product.product"), ("new_values", "like", "Lost")]))
    assert not await orm.run(lambda env: env["product.product"].search([("name", "=", "Lost")]))


@pytest.mark.parametrize("model,vals", [
    ("product.product", {"name": "Renamed", "description": "only unaudited fields"}),
    ("pos.order", {"note": "a draft"}),                 # the value it already has
    ("account.tax", {}),
])
async def test_no_row_when_nothing_audited_changes(orm: Any, ctx: Ctx, model: str,
                                                   vals: dict[str, Any]) -> None:
    record_id = ctx.order if model == "pos.order" else (await orm.run(
        lambda env: env[model].search([("company_id", "=", ctx.companies["bistro"])], limit=1)))[0]
    before = await logs(orm, model, record_id)
    await orm.run(lambda env: env[model].write([record_id], vals), login="manager")
    assert await logs(orm, model, record_id) == before


async def test_many2many_changes_are_id_lists(orm: Any, ctx: Ctx) -> None:
    card = await orm.run(lambda env: env["pos.payment.method"].search(
        [("company_id", "=", ctx.companies["bistro"]), ("type", "=", "bank")], limit=1))
    await orm.run(lambda env: env["pos.config"].write(
        [ctx.config], {"payment_method_ids": [(6, 0, [ctx.cash, card[0]])]}), login="manager")
    await orm.run(lambda env: env["pos.config"].write(
        [ctx.config], {"payment_method_ids": [(3, ctx.cash)]}), login="manager")
    rows = await logs(orm, "pos.config", ctx.config)
    assert [(r["old"], r["new"]) for r in rows[-2:]] == [
        ({"payment_method_ids": []}, {"payment_method_ids": sorted([ctx.cash, card[0]])}),
        ({"payment_method_ids": sorted([ctx.cash, card[0]])}, {"payment_method_ids": card})]


async def test_group_changes_of_a_user_are_logged(orm: Any, ctx: Ctx) -> None:
    case = next(c for c in CASES if c.model == "res.users")
    user_id = await make(orm, ctx, case)
    manager_group = await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(
        security.POS_MANAGER))
    await orm.run(lambda env: env["res.users"].write([user_id], {
        "groups_id": [(4, manager_group)]}), login="admin")
    row = (await logs(orm, "res.users", user_id))[-1]
    assert row["user_id"] == ctx.users["admin"]
    assert set(row["new"]["groups_id"]) - set(row["old"]["groups_id"]) == {manager_group}


# -- secrets ------------------------------------------------------------------------------

async def test_secrets_never_reach_the_log(orm: Any, ctx: Ctx) -> None:
    case = next(c for c in CASES if c.model == "res.users")
    user_id = await make(orm, ctx, case, "manager")
    await orm.run(lambda env: env["res.users"].write([user_id], {"password": "only-pw-789"}),
                  login="manager")
    await orm.run(lambda env: env["res.users"].write([user_id], case.write), login="manager")
    await orm.run(lambda env: env["res.users"].write([ctx.users["manager"]], {
        "password": "self-pw-000", "tz": "Europe/Paris"}), login="manager")
    key = await orm.run(lambda env: env["res.users.apikeys"]._generate(user_id, "audit"))
    users = orm.registry["res.users"]
    hashes = [row[0] for row in await orm.run(lambda env: env.cr.rows(
        users.select(users.password_hash).where(users.id.in_([user_id, ctx.users["manager"]]))))]
    rows = await orm.run(lambda env: env["audit.log"].search_read(
        [("model", "in", ["res.users", "res.users.apikeys"])], ["old_values", "new_values"]))
    text = json.dumps(rows)
    for secret in ("secret-pw-123", "another-pw-456", "only-pw-789", "self-pw-000", key,
                   *hashes, "$2b$", "password"):
        assert secret not in text
    own = (await logs(orm, "res.users", ctx.users["manager"]))[-1]
    assert (own["user_id"], own["old"], own["new"]) == (
        ctx.users["manager"], {"tz": "Europe/Brussels"}, {"tz": "Europe/Paris"})


# -- read-only --------------------------------------------------------------------------

async def _a_row(orm: Any) -> int:
    (row_id,) = await orm.run(lambda env: env["audit.log"].search([], limit=1))
    return row_id


@pytest.mark.parametrize("who", ["manager", "owner", "admin", "waiter", "manager+sudo", None])
@pytest.mark.parametrize("operation", ["create", "write", "unlink", "copy"])
async def test_the_log_is_not_writable(orm: Any, ctx: Ctx, who: str | None,
                                       operation: str) -> None:
    row_id = await _a_row(orm)
    before = await orm.run(lambda env: env["audit.log"].read([row_id]))
    calls: dict[str, Callable[[Any], Any]] = {
        "create": lambda env: env["audit.log"].create({"model": "pos.order", "res_id": 1,
                                                      "operation": "write", "date": "2030-01-01"}),
        "write": lambda env: env["audit.log"].write([row_id], {"new_values": "{}"}),
        "unlink": lambda env: env["audit.log"].unlink([row_id]),
        "copy": lambda env: env["audit.log"].copy(row_id),
    }
    with pytest.raises(AccessError):
        if who is None:
            await orm.run(calls[operation])
        else:
            await run_as(orm, who, calls[operation])
    assert await orm.run(lambda env: env["audit.log"].read([row_id])) == before


async def test_the_log_is_not_writable_over_json_rpc(client: Any, orm: Any, ctx: Ctx) -> None:
    row_id = await _a_row(orm)
    await login(client, "admin")
    for method, args in (("unlink", [[row_id]]), ("write", [[row_id], {"old_values": "{}"}]),
                         ("create", [{"model": "x", "operation": "write"}])):
        body = await call_kw(client, "audit.log", method, args)
        assert body["error"]["data"]["name"] == "odoo.exceptions.AccessError", body
    assert await orm.run(lambda env: env["audit.log"].search([("id", "=", row_id)])) == [row_id]


# -- who reads which rows ----------------------------------------------------------------

@dataclass
class Tenancy:
    rows: dict[str, int]            # restaurant -> id of a log row of a tax change there
    contexts: dict[str, Any]


@pytest.fixture
async def tenancy(orm: Any, ctx: Ctx) -> Tenancy:
    async def build(env: Any) -> dict[str, int]:
        data = env["ir.model.data"]
        other = await env["res.company"].create({"name": "Taco Holdings", "is_platform": True})
        taco = await env["res.company"].create({"name": "Taco Loco", "parent_id": other})
        groups = [await data._xmlid_to_res_id(g) for g in (
            security.PLATFORM_OWNER, security.POS_MANAGER, security.POS_USER, security.USER)]
        await env["res.users"].create({
            "login": "owner2", "name": "Owner Two", "password": "owner2", "company_id": other,
            "company_ids": [(6, 0, [other])], "groups_id": [(6, 0, groups)]})
        ctx.companies.update(other_platform=other, taco=taco)
        rows = {}
        for key in ("bistro", "sushi", "taco"):
            company = ctx.companies[key]
            tax = await env.with_context(allowed_company_ids=[company])["account.tax"].create({
                "name": f"Tenancy VAT {key}", "amount": 10, "company_id": company})
            (rows[key],) = await env["audit.log"].search([("model", "=", "account.tax"),
                                                          ("res_id", "=", tax)])
        return rows
    rows = await orm.run(build)
    contexts = {
        "owner": await orm.run(lambda env: env["res.users"].switch_company(
            ctx.companies["platform"]), login="owner"),
        "owner2": await orm.run(lambda env: env["res.users"].switch_company(
            ctx.companies["other_platform"]), login="owner2"),
    }
    return Tenancy(rows, contexts)


@pytest.mark.parametrize("login_name,switched,visible", [
    ("manager", False, {"bistro"}),
    ("sushi.manager", False, {"sushi"}),
    ("owner", True, {"bistro", "sushi"}),           # the platform and its restaurants active
    ("owner", False, set()),                        # only the platform itself active
    ("owner2", True, {"taco"}),
    ("admin", False, {"bistro"}),                   # admin works in Bistro Centrale
])
async def test_who_reads_which_rows(orm: Any, tenancy: Tenancy, login_name: str,
                                    switched: bool, visible: set[str]) -> None:
    context = tenancy.contexts[login_name] if switched else None
    ids = set(tenancy.rows.values())
    found = await orm.run(lambda env: env["audit.log"].search([("id", "in", list(ids))]),
                          login=login_name, context=context)
    assert set(found) == {tenancy.rows[key] for key in visible}
    for key, row_id in tenancy.rows.items():
        read = orm.run(lambda env: env["audit.log"].read([row_id], ["model"]),
                       login=login_name, context=context)
        if key in visible:
            assert await read
        else:
            with pytest.raises(AccessError):
                await read


@pytest.mark.parametrize("login_name", ["waiter", "kitchen"])
async def test_staff_cannot_read_the_log(orm: Any, tenancy: Tenancy, login_name: str) -> None:
    with pytest.raises(AccessError):
        await orm.run(lambda env: env["audit.log"].search([]), login=login_name)


async def test_a_company_change_belongs_to_that_company(orm: Any, ctx: Ctx) -> None:
    await orm.run(lambda env: env["res.company"].write([ctx.companies["sushi"]],
                                                       {"commission_rate": 3}), login="owner")
    row = (await logs(orm, "res.company", ctx.companies["sushi"]))[-1]
    assert (row["company_id"], row["user_id"], row["new"]) == (
        ctx.companies["sushi"], ctx.users["owner"], {"commission_rate": 3.0})
    seen = await orm.run(lambda env: env["audit.log"].search([("id", "=", row["id"])]),
                         login="sushi.manager")
    assert seen == [row["id"]]      # the restaurant's manager sees who changed its rate
