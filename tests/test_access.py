"""Tenancy and rights, in one place, for every front.

Restaurant A (Bistro Centrale) and restaurant B (Sushi Koi) share one
database. A's staff must not see, count, change or link to B's records
through any method of any front, and B's records must come out of every
attempt unchanged; records hidden by the rules behave as missing, with the
same answer as an id that does not exist (no existence oracle). Then model
rights per group, read-only and private fields, mass assignment of the
company, the ``allowed_company_ids`` context, the platform owner's view of
both restaurants, and no way up from restaurant manager to administrator.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from tests.fronts import (ACCESS_ERROR, FRONTS, MISSING_ERROR, VALIDATION_ERROR, VALUE_ERROR,
                          Fronts, assert_error, assert_ok)

NOWHERE = 999_999
COMPANIES_REFUSED = "Access to unauthorized or invalid companies."

#: model -> (a domain picking the restaurant's records, values any writer could send)
MODELS: dict[str, tuple[list[Any], dict[str, Any]]] = {
    "pos.order": ([], {"note": "tampered"}),
    "res.partner": ([("email", "ilike", "@mail.example")], {"name": "tampered"}),  # customers
    "product.product": ([], {"name": "tampered"}),
    "restaurant.table": ([], {"name": "tampered"}),
    "account.tax": ([], {"name": "tampered"}),
    "pos.config": ([], {"name": "tampered"}),
}

#: What each of A's users may do per model (ir.model.access), written from the product's
#: roles rather than read from models/security.py, so a change there shows up here.
RIGHTS = {
    "waiter": {"pos.order": "rwc", "res.partner": "rwc", "product.product": "r",
               "restaurant.table": "rw", "account.tax": "r", "pos.config": "r"},
    "manager": {model: "rwcu" for model in MODELS},
}


@dataclass
class Pair:
    """One record of restaurant A and one of restaurant B, of the same model."""

    model: str
    a: int
    b: int
    b_name: str


@dataclass
class Tenants:
    a: int
    b: int
    platform: int
    pairs: dict[str, Pair]
    b_payment_method: int

    async def snapshot(self, orm: Any) -> dict[str, list[dict[str, Any]]]:
        """Every stored value of B's records (and A's), as the superuser reads them."""
        async def read(env: Any) -> dict[str, list[dict[str, Any]]]:
            out = {}
            for model, pair in self.pairs.items():
                names = [n for n, f in env.registry[model]._fields.items() if f.is_column]
                out[model] = await env[model].read([pair.a, pair.b], names)
            return out
        return await orm.run(read)


@pytest.fixture
async def tenants(orm: Any) -> Tenants:
    async def find(env: Any) -> Tenants:
        data = env["ir.model.data"]
        a = await data._xmlid_to_res_id("gateway_demo.restaurant_bistro")
        b = await data._xmlid_to_res_id("gateway_demo.restaurant_sushi")
        platform = await data._xmlid_to_res_id("gateway_demo.platform")
        pairs = {}
        for model, (domain, _vals) in MODELS.items():
            (a_id,) = await env[model].search(domain + [("company_id", "=", a)], limit=1)
            (b_id,) = await env[model].search(domain + [("company_id", "=", b)], limit=1)
            (b_name,) = await env[model].name_get([b_id])
            pairs[model] = Pair(model, a_id, b_id, b_name[1])
        (method,) = await env["pos.payment.method"].search([("company_id", "=", b)], limit=1)
        return Tenants(a, b, platform, pairs, method)
    return await orm.run(find)


@pytest.fixture
def fronts(client: Any, orm: Any) -> Fronts:
    return Fronts(client, orm)


def _ids(records: Any) -> list[int]:
    return [r["id"] if isinstance(r, dict) else r[0] for r in records]


#: (method, arguments from the pair, what A's user must get back)
READS: list[tuple[str, Callable[[Pair], tuple[Any, ...]], dict[str, Any],
                  Callable[[Pair, Any], bool]]] = [
    ("search", lambda p: ([["id", "in", [p.a, p.b]]],), {}, lambda p, r: r == [p.a]),
    ("search", lambda p: ([["id", "=", p.b]],), {}, lambda p, r: r == []),
    ("search", lambda p: ([["company_id", "!=", False]],), {"limit": 500},
     lambda p, r: p.b not in r and p.a in r),
    ("search_read", lambda p: ([["id", "in", [p.a, p.b]]],), {"fields": ["display_name"]},
     lambda p, r: _ids(r) == [p.a]),
    ("search_read", lambda p: ([],), {"fields": ["company_id"], "limit": 500},
     lambda p, r: p.b not in _ids(r) and all(x["company_id"] is False or x["company_id"][0]
                                            == r[0]["company_id"][0] for x in r)),
    ("search_count", lambda p: ([["id", "in", [p.a, p.b]]],), {}, lambda p, r: r == 1),
    ("search_count", lambda p: ([["id", "=", p.b]],), {}, lambda p, r: r == 0),
    ("name_search", lambda p: (p.b_name,), {}, lambda p, r: p.b not in _ids(r)),
    ("exists", lambda p: ([p.a, p.b],), {}, lambda p, r: r == [p.a]),
    ("web_search_read", lambda p: ([["id", "in", [p.a, p.b]]], {"display_name": {}}), {},
     lambda p, r: r["length"] == 1 and _ids(r["records"]) == [p.a]),
    ("read_group", lambda p: ([["id", "in", [p.a, p.b]]], ["company_id"], ["company_id"]), {},
     lambda p, r: len(r) == 1 and r[0]["company_id_count"] == 1),
]

#: Methods that name B's record by id: Odoo's AccessError, which gives the id only.
BY_ID: list[tuple[str, Callable[[Pair], tuple[Any, ...]]]] = [
    ("read", lambda p: ([p.a, p.b], ["display_name"])),
    ("read", lambda p: ([p.b],)),
    ("name_get", lambda p: ([p.a, p.b],)),
    ("web_read", lambda p: ([p.a, p.b], {"display_name": {}})),
]

USERS_OF_A = ("waiter", "manager")
HIDDEN = "Due to security restrictions, you are not allowed to"


# -- A's staff and B's records, through call_kw: every method --------------------------------

@pytest.mark.parametrize("login", USERS_OF_A)
@pytest.mark.parametrize("model", list(MODELS))
async def test_other_restaurant_is_invisible(fronts: Fronts, orm: Any, tenants: Tenants,
                                             login: str, model: str) -> None:
    pair = tenants.pairs[model]
    before = await tenants.snapshot(orm)
    for method, args, kwargs, expected in READS:
        answer = await fronts.call("call_kw", login, model, method, args(pair), kwargs)
        result = assert_ok(answer)
        assert expected(pair, result), (login, model, method, result)
    for method, args in BY_ID:
        answer = await fronts.call("call_kw", login, model, method, args(pair))
        message = assert_error(answer, ACCESS_ERROR, HIDDEN)
        assert f"({pair.b},)" in message and pair.b_name not in message, message
    assert await tenants.snapshot(orm) == before


@pytest.mark.parametrize("login", USERS_OF_A)
@pytest.mark.parametrize("model", list(MODELS))
async def test_other_restaurant_cannot_be_changed(fronts: Fronts, orm: Any, tenants: Tenants,
                                                  login: str, model: str) -> None:
    pair = tenants.pairs[model]
    rights = RIGHTS[login][model]
    vals = MODELS[model][1]
    before = await tenants.snapshot(orm)
    for method, args, letter in (("write", ([pair.b], vals), "w"), ("unlink", ([pair.b],), "u"),
                                 ("write", ([pair.a, pair.b], vals), "w"),
                                 ("copy", ([pair.b],), "r")):
        answer = await fronts.call("call_kw", login, model, method, args)
        if letter not in rights:
            assert_error(answer, ACCESS_ERROR, "You are not allowed to")
            continue
        message = assert_error(answer, ACCESS_ERROR, HIDDEN)
        assert f"({pair.b},)" in message and pair.b_name not in message, message
        # an id that does not exist stays Odoo's MissingError (read: dropped)
        nowhere = await fronts.call("call_kw", login, model, method,
                                    ([NOWHERE if i == pair.b else i for i in args[0]],
                                     *args[1:]))
        if method == "copy":
            assert_error(nowhere, MISSING_ERROR)
        elif method != "write" or len(args[0]) == 1:
            assert_error(nowhere, MISSING_ERROR, "Record does not exist or has been deleted.")
    # nothing written, nothing deleted, on either side (the mixed write is all or nothing)
    assert await tenants.snapshot(orm) == before


@pytest.mark.parametrize("front", [f for f in FRONTS if f != "call_kw"])
async def test_every_front_keeps_restaurants_apart(fronts: Fronts, orm: Any, tenants: Tenants,
                                                   front: str) -> None:
    before = await tenants.snapshot(orm)
    for login in USERS_OF_A:
        for model, pair in tenants.pairs.items():
            where = f"{login} {model} via {front}"
            assert_error(await fronts.call(front, login, model, "read",
                                           ([pair.a, pair.b], ["display_name"])),
                         ACCESS_ERROR, HIDDEN)
            read = assert_ok(await fronts.call(front, login, model, "read",
                                               ([pair.a], ["display_name"])))
            assert _ids(read) == [pair.a], where
            count = assert_ok(await fronts.call(front, login, model, "search_count",
                                                ([["id", "in", [pair.a, pair.b]]],)))
            assert count == 1, where
            found = assert_ok(await fronts.call(front, login, model, "search_read",
                                                ([["company_id", "=", tenants.b]],),
                                                {"fields": ["name"]}))
            assert found == [], where
            for method, args, letter in (("write", ([pair.b], MODELS[model][1]), "w"),
                                         ("unlink", ([pair.b],), "u")):
                answer = await fronts.call(front, login, model, method, args)
                if letter in RIGHTS[login][model]:
                    assert_error(answer, ACCESS_ERROR, f"({pair.b},)")
                else:
                    assert_error(answer, ACCESS_ERROR, "You are not allowed to")
    assert await tenants.snapshot(orm) == before


@pytest.mark.parametrize("front", FRONTS)
async def test_other_restaurant_company_and_staff_are_invisible(
        fronts: Fronts, orm: Any, tenants: Tenants, front: str) -> None:
    b_users = [await fronts.uid(login) for login in ("sushi.manager", "sushi.waiter")]
    before = await orm.run(lambda env: env["res.users"].read(b_users, ["login", "write_date"]))
    for login in USERS_OF_A:
        assert_error(await fronts.call(front, login, "res.company", "read",
                                       ([tenants.a, tenants.b], ["name"])), ACCESS_ERROR, HIDDEN)
        companies = assert_ok(await fronts.call(front, login, "res.company", "read",
                                                ([tenants.a], ["name"])))
        assert _ids(companies) == [tenants.a]
        names = assert_ok(await fronts.call(front, login, "res.company", "name_search",
                                            ("Sushi",)))
        assert names == []
        users = assert_ok(await fronts.call(front, login, "res.users", "search",
                                            ([["id", "in", b_users]],)))
        assert users == []
        assert_error(await fronts.call(front, login, "res.users", "read", (b_users, ["login"])),
                     ACCESS_ERROR, HIDDEN)
        for vals in ({"password": "taken-over"}, {"name": "x"}):
            answer = await fronts.call(front, login, "res.users", "write", (b_users[1:], vals))
            if login == "waiter":
                assert_error(answer, ACCESS_ERROR, "You are not allowed to modify")
            else:
                assert_error(answer, ACCESS_ERROR, f"({b_users[1]},)")
        answer = await fronts.call(front, login, "res.company", "write",
                                   ([tenants.b], {"name": "taken"}))
        assert_error(answer, ACCESS_ERROR)
    assert await orm.run(lambda env: env["res.users"].read(b_users, ["login", "write_date"])) \
        == before


# -- the allowed_company_ids context --------------------------------------------------------

@pytest.mark.parametrize("front", FRONTS)
async def test_context_cannot_open_another_restaurant(fronts: Fronts, orm: Any,
                                                      tenants: Tenants, front: str) -> None:
    a, b = tenants.a, tenants.b
    before = await tenants.snapshot(orm)
    refused = ([b], [a, b], [b, a], [tenants.platform], [NOWHERE], [str(b)], [True], b, "all")
    for login in USERS_OF_A:
        for companies in refused:
            context = {"allowed_company_ids": companies}
            for method, args in (("search", ([],)), ("read", ([tenants.pairs["pos.order"].b],)),
                                 ("search_count", ([],))):
                answer = await fronts.call(front, login, "pos.order", method, args,
                                           {"context": context})
                assert_error(answer, ACCESS_ERROR, COMPANIES_REFUSED)
            answer = await fronts.call(front, login, "res.partner", "create",
                                       ({"name": "smuggled", "company_id": b},),
                                       {"context": context})
            assert_error(answer, ACCESS_ERROR, COMPANIES_REFUSED)
        # other spellings of "another company" are simply ignored
        for context in ({"force_company": b}, {"company_id": b}, {"allowed_company_ids": []}):
            ids = assert_ok(await fronts.call(front, login, "pos.order", "search",
                                              ([["company_id", "=", b]],), {"context": context}))
            assert ids == [], context
    assert await tenants.snapshot(orm) == before


@pytest.mark.parametrize("front", ["call_kw", "jsonrpc", "xmlrpc2", "json2"])
async def test_platform_owner_sees_the_active_restaurants(fronts: Fronts, tenants: Tenants,
                                                          front: str) -> None:
    for model, pair in tenants.pairs.items():
        def read(companies: list[int] | None) -> Any:
            kwargs = {"context": {"allowed_company_ids": companies}} if companies else {}
            return fronts.call(front, "owner", model, "read", ([pair.a, pair.b], ["company_id"]),
                               kwargs)
        both = assert_ok(await read([tenants.a, tenants.b]))
        assert _ids(both) == [pair.a, pair.b], model
        assert _ids(assert_ok(await read([tenants.b, tenants.a]))) == [pair.a, pair.b]
        # one restaurant active: the other's record is refused by id
        for active in ([tenants.a], [tenants.b], None):   # None: the platform only
            assert_error(await read(active), ACCESS_ERROR, HIDDEN)
        both_domain = [["company_id", "in", [tenants.a, tenants.b]]]
        count = assert_ok(await fronts.call(
            front, "owner", model, "search_count", (both_domain,),
            {"context": {"allowed_company_ids": [tenants.a]}}))
        assert count == assert_ok(await fronts.call(
            front, "manager", model, "search_count", ([["company_id", "=", tenants.a]],)))
    answer = await fronts.call(front, "owner", "pos.order", "search", ([],),
                               {"context": {"allowed_company_ids": [tenants.a, NOWHERE]}})
    assert_error(answer, ACCESS_ERROR, COMPANIES_REFUSED)


async def test_owner_writes_only_in_the_active_restaurant(fronts: Fronts, orm: Any,
                                                          tenants: Tenants) -> None:
    pair = tenants.pairs["product.product"]
    only_a = {"context": {"allowed_company_ids": [tenants.a]}}
    answer = await fronts.call("call_kw", "owner", "product.product", "write",
                               ([pair.b], {"name": "by the owner"}), only_a)
    assert_error(answer, ACCESS_ERROR, HIDDEN)
    both = {"context": {"allowed_company_ids": [tenants.a, tenants.b]}}
    assert assert_ok(await fronts.call("call_kw", "owner", "product.product", "write",
                                       ([pair.b], {"name": "by the owner"}), both)) is True
    new = assert_ok(await fronts.call("call_kw", "owner", "product.product", "create",
                                      ({"name": "x", "company_id": tenants.b},), both))
    assert new
    answer = await fronts.call("call_kw", "owner", "product.product", "create",
                               ({"name": "y", "company_id": tenants.b},), only_a)
    assert_error(answer, ACCESS_ERROR, "You cannot assign")


# -- mass assignment and links across restaurants ----------------------------------------

@pytest.mark.parametrize("front", ["call_kw", "jsonrpc", "xmlrpc2", "json2"])
async def test_records_cannot_be_put_in_or_linked_to_another_restaurant(
        fronts: Fronts, orm: Any, tenants: Tenants, front: str) -> None:
    b = tenants.b
    p = tenants.pairs
    before = await tenants.snapshot(orm)
    counts = await orm.run(lambda env: _counts(env))
    cases = [
        # (login, model, method, args, kwargs, name, message)
        ("waiter", "res.partner", "create", ({"name": "x", "company_id": b},), {}, ACCESS_ERROR,
         "You cannot assign"),
        ("manager", "product.product", "create", ({"name": "x", "company_id": b},), {},
         ACCESS_ERROR, "You cannot assign"),
        ("manager", "account.tax", "create", ({"name": "x", "amount": 1, "company_id": b},), {},
         ACCESS_ERROR, "You cannot assign"),
        ("manager", "pos.config", "create", ({"name": "x", "company_id": b},), {}, ACCESS_ERROR,
         "You cannot assign"),
        ("manager", "product.product", "create", ({"name": "x"},),
         {"context": {"default_company_id": b}}, ACCESS_ERROR, "You cannot assign"),
        ("waiter", "res.partner", "write", ([p["res.partner"].a], {"company_id": b}), {},
         ACCESS_ERROR, "You cannot assign"),
        ("manager", "product.product", "write", ([p["product.product"].a], {"company_id": b}),
         {}, ACCESS_ERROR, "You cannot assign"),
        ("manager", "product.product", "copy", ([p["product.product"].a], {"company_id": b}),
         {}, ACCESS_ERROR, "You cannot assign"),
        ("manager", "res.users", "create", ({"name": "x", "login": "x", "company_id": b},), {},
         ACCESS_ERROR, "You cannot assign"),
        # links from A's records to B's
        ("waiter", "pos.order", "create", ({"partner_id": p["res.partner"].b},), {},
         VALIDATION_ERROR, "does not exist"),
        ("waiter", "pos.order", "create", ({"table_id": p["restaurant.table"].b},), {},
         VALIDATION_ERROR, "does not exist"),
        ("waiter", "pos.order", "write", ([p["pos.order"].a], {"partner_id": p["res.partner"].b}),
         {}, VALIDATION_ERROR, "does not exist"),
        ("waiter", "pos.order", "write", ([p["pos.order"].a], {"lines": [[0, 0, {
            "product_id": p["product.product"].b, "qty": 1, "price_unit": 1}]]}), {},
         VALIDATION_ERROR, "does not exist"),
        ("waiter", "pos.order", "write", ([p["pos.order"].a], {"lines": [[0, 0, {
            "product_id": p["product.product"].a, "qty": 1, "price_unit": 1,
            "tax_ids": [[6, 0, [p["account.tax"].b]]]}]]}), {}, MISSING_ERROR, ""),
        ("manager", "product.product", "write",
         ([p["product.product"].a], {"taxes_id": [[4, p["account.tax"].b]]}), {}, MISSING_ERROR,
         f"({p['account.tax'].b},)"),
        ("manager", "product.product", "create",
         ({"name": "x", "taxes_id": [p["account.tax"].b]},), {}, MISSING_ERROR, ""),
        ("manager", "pos.config", "write", ([p["pos.config"].a], {"payment_method_ids": [
            [6, 0, [tenants.b_payment_method]]]}), {}, MISSING_ERROR, ""),
        ("manager", "res.users", "write", ([await fronts.uid("waiter")],
                                           {"company_ids": [[4, b]]}), {}, MISSING_ERROR, ""),
    ]
    for login, model, method, args, kwargs, name, message in cases:
        answer = await fronts.call(front, login, model, method, args, kwargs)
        try:
            assert_error(answer, name, message or None)
        except AssertionError as exc:
            exc.add_note(f"{login} {model}.{method}{args} via {front}")
            raise
    assert await tenants.snapshot(orm) == before
    assert await orm.run(lambda env: _counts(env)) == counts


async def test_lines_of_another_restaurant_cannot_be_taken(fronts: Fronts, orm: Any,
                                                           tenants: Tenants) -> None:
    """x2many commands naming B's lines on A's order: 1 (update), 2, 3, 4 (steal), 6."""
    order_a, order_b = tenants.pairs["pos.order"].a, tenants.pairs["pos.order"].b
    b_lines = await orm.run(lambda env: env["pos.order.line"].search(
        [("order_id", "=", order_b)]))
    before = await tenants.snapshot(orm)
    lines_before = await orm.run(lambda env: env["pos.order.line"].read(b_lines))
    # 1, 2, 3 name a line that is not on A's order (missing there); 4 and 6 try to
    # take B's line, which A's manager may not touch (Odoo's AccessError)
    for command, error in (([1, b_lines[0], {"qty": 99}], MISSING_ERROR),
                           ([2, b_lines[0]], MISSING_ERROR), ([3, b_lines[0]], MISSING_ERROR),
                           ([4, b_lines[0]], ACCESS_ERROR), ([6, 0, b_lines], ACCESS_ERROR)):
        answer = await fronts.call("call_kw", "manager", "pos.order", "write",
                                   ([order_a], {"lines": [command]}))
        assert_error(answer, error, f"{b_lines[0]}")
    assert await orm.run(lambda env: env["pos.order.line"].read(b_lines)) == lines_before
    assert await tenants.snapshot(orm) == before


async def _counts(env: Any) -> dict[str, int]:
    return {model: await env[model].search_count([]) for model in
            (*MODELS, "pos.order.line", "res.users", "res.company")}


# -- model rights, read-only fields, private fields -------------------------------------------

RIGHTS_REFUSED = [
    # (login, model, method, args, message)
    ("kitchen", "product.product", "create", ({"name": "Kitchen special"},),
     "You are not allowed to create 'Product' (product.product) records."),
    ("kitchen", "pos.order", "create", ({},), "You are not allowed to create"),
    ("kitchen", "pos.order", "unlink", ([1],), "You are not allowed to delete"),
    ("waiter", "res.users", "create", ({"name": "x", "login": "x-waiter"},),
     "You are not allowed to create 'User' (res.users) records."),
    ("waiter", "res.users", "write", ([1], {"name": "x"}), "You are not allowed to modify"),
    ("waiter", "res.company", "write", ([1], {"name": "Renamed"}),
     "You are not allowed to modify"),
    ("waiter", "res.company", "create", ({"name": "Mine"},), "You are not allowed to create"),
    ("waiter", "product.product", "write", ([1], {"list_price": 0.01}),
     "You are not allowed to modify"),
    ("waiter", "account.tax", "write", ([1], {"amount": 0}), "You are not allowed to modify"),
    ("waiter", "pos.config", "write", ([1], {"name": "x"}), "You are not allowed to modify"),
    ("waiter", "res.groups", "write", ([1], {"name": "x"}), "You are not allowed to modify"),
    ("waiter", "res.users.apikeys", "search", ([],), "You are not allowed to access"),
    ("manager", "res.groups", "create", ({"name": "Admins too"},),
     "You are not allowed to create"),
    ("manager", "res.users", "unlink", ([1],), "You are not allowed to delete"),
]


@pytest.mark.parametrize("front", FRONTS)
async def test_model_rights(fronts: Fronts, orm: Any, tenants: Tenants, front: str) -> None:
    before = await tenants.snapshot(orm)
    counts = await orm.run(lambda env: _counts(env))
    for login, model, method, args, message in RIGHTS_REFUSED:
        answer = await fronts.call(front, login, model, method, args)
        try:
            assert_error(answer, ACCESS_ERROR, message)
        except AssertionError as exc:
            exc.add_note(f"{login} {model}.{method} via {front}")
            raise
    assert await tenants.snapshot(orm) == before
    assert await orm.run(lambda env: _counts(env)) == counts


@pytest.mark.parametrize("front", FRONTS)
async def test_read_only_fields_cannot_be_written(fronts: Fronts, orm: Any, tenants: Tenants,
                                                  front: str) -> None:
    order = tenants.pairs["pos.order"].a
    before = await tenants.snapshot(orm)
    for vals in ({"state": "paid"}, {"amount_total": 0}, {"amount_paid": 1e6},
                 {"company_id": tenants.a}, {"name": "BISTRO/9999"}, {"session_id": 1},
                 {"note": "ok", "amount_tax": 0}):
        for login in ("waiter", "kitchen"):
            answer = await fronts.call(front, login, "pos.order", "write", ([order], vals))
            assert_error(answer, VALIDATION_ERROR, "read-only")
        answer = await fronts.call(front, "waiter", "pos.order", "create",
                                   ({"note": "x", **vals},))
        assert_error(answer, VALIDATION_ERROR, "read-only")
    for model, vals in (("res.users", {"share": True}), ("res.users", {"login_date": False})):
        answer = await fronts.call(front, "manager", model, "write",
                                   ([await fronts.uid("waiter")], vals))
        assert_error(answer, VALIDATION_ERROR, "read-only")
    assert await tenants.snapshot(orm) == before


@pytest.mark.parametrize("front", FRONTS)
async def test_private_fields_are_not_readable(fronts: Fronts, front: str) -> None:
    uid = await fronts.uid("waiter")
    for login in ("waiter", "manager", "owner", "admin"):
        for method, args, kwargs in (
                ("read", ([uid], ["password_hash"]), {}),
                ("read", ([uid], ["login", "password_hash"]), {}),
                ("search_read", ([],), {"fields": ["password_hash"]}),
                ("search", ([["password_hash", "!=", False]],), {}),
                ("search", ([["password_hash", "like", "$2b$%"]],), {}),
                ("search", ([],), {"order": "password_hash"}),
                ("read_group", ([], ["password_hash"], ["password_hash"]), {}),
                ("web_read", ([uid], {"password_hash": {}}), {})):
            answer = await fronts.call(front, login, "res.users", method, args, kwargs)
            try:
                assert_error(answer, VALUE_ERROR, "password_hash")
            except AssertionError as exc:
                exc.add_note(f"{login} res.users.{method} via {front}")
                raise
        everything = assert_ok(await fronts.call(front, login, "res.users", "read",
                                                 ([await fronts.uid(login)],)))
        assert everything and not {"password_hash", "password"} & set(everything[0])
        assert "$2" not in repr(everything)
        described = assert_ok(await fronts.call(front, login, "res.users", "fields_get", ()))
        assert "password_hash" not in described
    keys = assert_ok(await fronts.call(front, "admin", "res.users.apikeys", "search_read",
                                       ([],), {}))
    assert all("key" not in record for record in keys)
    answer = await fronts.call(front, "admin", "res.users.apikeys", "read",
                               ([1], ["key"]))
    assert_error(answer, VALUE_ERROR, "key")


# -- no way up: a restaurant manager is not an administrator -------------------------------

async def _group(orm: Any, xmlid: str) -> int:
    return await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(xmlid))


@pytest.mark.parametrize("front", FRONTS)
async def test_manager_cannot_climb(fronts: Fronts, orm: Any, tenants: Tenants,
                                    front: str) -> None:
    system = await _group(orm, "base.group_system")
    erp = await _group(orm, "base.group_erp_manager")
    owner_group = await _group(orm, "gateway.group_platform_owner")
    manager, admin, owner = [await fronts.uid(login) for login in ("manager", "admin", "owner")]
    if front == "json2":
        await fronts.api_key("manager")     # a new key changes the user's write_date
    users_before = await orm.run(lambda env: env["res.users"].read(
        [manager, admin, owner], ["groups_id", "login", "company_ids", "write_date"]))
    counts = await orm.run(lambda env: _counts(env))
    refused = [
        ("write", ([manager], {"groups_id": [[4, system]]})),
        ("write", ([manager], {"groups_id": [[6, 0, [system, erp]]]})),
        ("write", ([manager], {"groups_id": [[4, owner_group]]})),
        ("write", ([manager], {"groups_id": [[0, 0, {"name": "mine"}]]})),
        ("create", ({"name": "evil", "login": "evil", "password": "evil-password",
                     "groups_id": [[6, 0, [system]]]},)),
        ("create", ({"name": "evil", "login": "evil", "groups_id": [erp]},)),
        # the platform's accounts are out of reach, password included
        ("write", ([admin], {"password": "taken-over"})),
        ("write", ([owner], {"password": "taken-over"})),
        ("write", ([owner], {"login": "taken-over"})),
        ("write", ([admin], {"active": False})),
    ]
    for method, args in refused:
        answer = await fronts.call(front, "manager", "res.users", method, args)
        try:
            assert_error(answer, ACCESS_ERROR)
        except AssertionError as exc:
            exc.add_note(f"res.users.{method}{args} via {front}")
            raise
    assert await orm.run(lambda env: env["res.users"].read(
        [manager, admin, owner], ["groups_id", "login", "company_ids", "write_date"])) \
        == users_before
    assert await orm.run(lambda env: _counts(env)) == counts
    # the platform's accounts still log in with their own passwords
    for login in ("admin", "owner"):
        assert assert_ok(await fronts.service("jsonrpc", "common", "login",
                                              ["gateway", login, login])) == await fronts.uid(login)


async def test_manager_still_manages_the_staff(fronts: Fronts, orm: Any) -> None:
    """What a restaurant manager keeps: staff accounts of their own rank and restaurant."""
    pos_user = await _group(orm, "point_of_sale.group_pos_user")
    kitchen = await _group(orm, "gateway.group_kitchen")
    new = assert_ok(await fronts.call("call_kw", "manager", "res.users", "create", (
        {"name": "New Cook", "login": "cook", "password": "cook-password",
         "groups_id": [[6, 0, [kitchen]]]},)))
    assert assert_ok(await fronts.service("jsonrpc", "common", "login",
                                          ["gateway", "cook", "cook-password"])) == new
    waiter = await fronts.uid("waiter")
    assert assert_ok(await fronts.call("call_kw", "manager", "res.users", "write",
                                       ([waiter], {"password": "new-waiter-password"}))) is True
    assert assert_ok(await fronts.call("call_kw", "manager", "res.users", "write",
                                       ([new], {"groups_id": [[4, pos_user]]}))) is True
    # the waiter's own password change still works through the self path
    assert assert_ok(await fronts.service("jsonrpc", "common", "login",
                                          ["gateway", "waiter", "new-waiter-password"])) == waiter
