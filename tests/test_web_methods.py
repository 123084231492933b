"""web_search_read (16 and 17 signatures) and web_read (17), on both backends.

Expected records are built here from plain ``read``/``search_read`` calls;
the ``length`` rule is checked against a table computed from the number of
records the caller can see: admin and the 24 orders of today's session in 'Bistro
Centrale' (``TODAY``; the demo's past sales are left out so the figures stay fixed).
"""
from __future__ import annotations

import xmlrpc.client
from typing import Any

import odoorpc
import pytest

from models.exceptions import AccessError

from tests.support import call_kw, login, result, rpc

pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")

ORDER = "date_order desc, name desc, id desc"
#: The orders of today's open session (the demo's ``demo-<restaurant>-NNNN`` uids).
TODAY = [["uuid", "=like", "demo-%"]]


async def run(orm: Any, fn: Any, login: str = "admin") -> Any:
    return await orm.run(fn, login=login)


async def expected_records(orm: Any, ids: list[int], login: str = "admin") -> list[dict[str, Any]]:
    """The 17 specification below, resolved by hand from read()."""
    async def build(env: Any) -> list[dict[str, Any]]:
        orders = await env["pos.order"].read(ids, ["name", "partner_id", "user_id", "lines",
                                                   "payment_ids"])
        records = []
        for order in orders:
            lines = await env["pos.order.line"].read(order["lines"], ["qty", "product_id"])
            records.append({
                "id": order["id"], "name": order["name"],
                "partner_id": ({"id": order["partner_id"][0],
                                "display_name": order["partner_id"][1]}
                               if order["partner_id"] else False),
                "user_id": order["user_id"][0],
                "lines": [{"id": line["id"], "qty": line["qty"],
                           "product_id": {"id": line["product_id"][0],
                                          "display_name": line["product_id"][1]}}
                          for line in lines],
                "payment_ids": order["payment_ids"],
            })
        return records
    return await run(orm, build, login)


SPEC = {
    "name": {},
    "partner_id": {"fields": {"display_name": {}}},
    "user_id": {},
    "lines": {"fields": {"qty": {}, "product_id": {"fields": {"display_name": {}}}}},
    "payment_ids": {},
}


async def test_web_search_read_with_a_specification(orm: Any) -> None:
    answer = await run(orm, lambda env: env["pos.order"].web_search_read(
        [("state", "=", "paid")], SPEC, 0, 5, ORDER))
    ids = await run(orm, lambda env: env["pos.order"].search([("state", "=", "paid")], 0, 5, ORDER))
    total = await run(orm, lambda env: env["pos.order"].search_count([("state", "=", "paid")]))
    assert answer == {"length": total, "records": await expected_records(orm, ids)}
    assert all(list(record) == ["id", *SPEC] for record in answer["records"])
    assert any(record["partner_id"] is False for record in (await run(
        orm, lambda env: env["pos.order"].web_search_read([], {"partner_id": {}})))["records"])


async def test_web_search_read_16_field_list(orm: Any) -> None:
    fields = ["name", "partner_id", "amount_total"]
    answer = await run(orm, lambda env: env["pos.order"].web_search_read(
        TODAY, fields, 2, 4, "name asc"))
    rows = await run(orm, lambda env: env["pos.order"].search_read(
        TODAY, fields, offset=2, limit=4, order="name asc"))
    assert answer == {"length": 24, "records": rows}
    assert all(r["partner_id"] is False or len(r["partner_id"]) == 2 for r in answer["records"])
    by_keyword = await run(orm, lambda env: env["pos.order"].web_search_read(
        domain=[], fields=fields, limit=3))
    assert [list(r) for r in by_keyword["records"]] == [["id", *fields]] * 3
    everything = await run(orm, lambda env: env["pos.order"].web_search_read([], None, limit=1))
    assert {"name", "lines", "amount_total", "display_name"} <= set(everything["records"][0])
    with pytest.raises(TypeError):
        await run(orm, lambda env: env["pos.order"].web_search_read([], {}, fields=["name"]))


TOTAL = 24     # len(TODAY)
LENGTHS = [
    # offset, limit, count_limit, force_search_count, expected length
    (0, None, None, False, TOTAL),           # no limit: what was read
    (0, 10, None, False, TOTAL),             # a full page: counted
    (20, 10, None, False, TOTAL),            # a short page: offset + records
    (0, 30, None, False, TOTAL),
    (0, 10, 5, False, 10),                   # count_limit already passed: not counted
    (0, 10, 15, False, 15),                  # counted, up to count_limit
    (10, 10, 15, False, 20),                 # count_limit (15) <= 20 read: not counted
    (0, 30, None, True, TOTAL),              # forced count
    (0, 10, 5, True, 5),                     # forced count, capped by count_limit
    (TOTAL, 10, None, False, 0),             # no records: 0, even with an offset
]


@pytest.mark.parametrize("offset,limit,count_limit,force,length", LENGTHS)
@pytest.mark.parametrize("second", [["name"], {"name": {}}], ids=["16", "17"])
async def test_length_rule(orm: Any, offset: int, limit: Any, count_limit: Any, force: bool,
                           length: int, second: Any) -> None:
    async def call(env: Any) -> Any:
        if force:
            env = env.with_context(force_search_count=True)
        return await env["pos.order"].web_search_read(TODAY, second, offset, limit, None,
                                                      count_limit)
    answer = await run(orm, call)
    assert answer["length"] == length
    assert len(answer["records"]) == max(0, min(limit or TOTAL, TOTAL - offset))


async def test_web_read_specifications(orm: Any) -> None:
    order_ids = await run(orm, lambda env: env["pos.order"].search([], order="id"))
    many = [i for i in order_ids]
    lines_of = {o["id"]: o["lines"] for o in await run(
        orm, lambda env: env["pos.order"].read(many, ["lines"]))}
    target = next(i for i in many if len(lines_of[i]) >= 3)
    lines = lines_of[target]

    async def web_read(spec: Any, ids: Any = (target,)) -> Any:
        return await run(orm, lambda env: env["pos.order"].web_read(list(ids), spec))

    assert await web_read({}, [target, 999999, target]) == [{"id": target}, {"id": 999999}]
    assert await web_read({"lines": {}}) == [{"id": target, "lines": lines}]
    assert await web_read({"partner_id": {"fields": {}}, "user_id": {}}) == await run(
        orm, lambda env: env["pos.order"].read([target], ["partner_id", "user_id"], load=None))
    limited = (await web_read({"lines": {"fields": {"qty": {}}, "limit": 2}}))[0]["lines"]
    assert [list(line) for line in limited] == [["id", "qty"], ["id", "qty"]] + \
        [["id"]] * (len(lines) - 2)
    assert [line["id"] for line in limited] == lines
    ordered = (await web_read({"lines": {"order": "id desc", "fields": {},
                                         "context": {"active_test": False}}}))[0]["lines"]
    assert ordered == [{"id": i} for i in sorted(lines, reverse=True)]
    reordered = (await web_read({"lines": {"order": "id desc"}}))[0]["lines"]
    assert reordered == sorted(lines, reverse=True)
    assert await web_read({"name": {}}, []) == []
    assert await web_read({"name": {}}, [999999]) == []


@pytest.mark.parametrize("spec", [
    {"nope": {}}, ["name"], {"name": True}, {"lines": {"fields": ["qty"]}},
    {"lines": {"limit": -1, "fields": {}}}, {"lines": {"fields": {"nope": {}}}},
    {"partner_id": {"fields": {"nope": {}}}},
])
async def test_web_read_rejects_bad_specifications(orm: Any, spec: Any) -> None:
    ids = await run(orm, lambda env: env["pos.order"].search([("partner_id", "!=", False)],
                                                             limit=1))
    with pytest.raises(ValueError):
        await run(orm, lambda env: env["pos.order"].web_read(ids, spec))


async def test_many2one_display_name_of_a_record_the_caller_cannot_read(orm: Any) -> None:
    """As in Odoo 17 the display name is read as superuser; other fields follow read()."""
    async def setup(env: Any) -> tuple[int, int]:
        sushi = (await env["res.company"].search([("name", "=", "Sushi Koi")]))[0]
        partner = await env["res.partner"].create({"name": "Hidden Guest", "company_id": sushi,
                                                   "email": "hidden@example.com"})
        order = (await env["pos.order"].search([("name", "=", "BISTRO/0001")]))[0]
        await env["pos.order"].write([order], {"partner_id": partner})
        return order, partner
    order, partner = await orm.run(setup)
    with pytest.raises(AccessError):       # Odoo: the record rule refuses it by id
        await run(orm, lambda env: env["res.partner"].read([partner], ["name"]), login="waiter")
    answer = await run(orm, lambda env: env["pos.order"].web_read(
        [order], {"partner_id": {"fields": {"display_name": {}}}}), login="waiter")
    assert answer == [{"id": order, "partner_id": {"id": partner,
                                                   "display_name": "Hidden Guest"}}]
    with pytest.raises(AccessError):       # more than the name is a read of the partner
        await run(orm, lambda env: env["pos.order"].web_read(
            [order], {"partner_id": {"fields": {"display_name": {}, "email": {}}}}),
            login="waiter")


# ---------------------------------------------------------------------------
# Over HTTP and real client libraries
# ---------------------------------------------------------------------------

async def test_call_kw_and_dataset_search_read(client: Any, orm: Any) -> None:
    await login(client)
    answer = result(await call_kw(client, "pos.order", "web_search_read", [],
                                  {"domain": [["state", "=", "paid"]], "specification": SPEC,
                                   "limit": 3, "order": ORDER, "count_limit": 10001}))
    ids = [r["id"] for r in answer["records"]]
    assert answer["records"] == await expected_records(orm, ids)
    assert answer["length"] == await run(orm, lambda env: env["pos.order"].search_count(
        [("state", "=", "paid")]))
    read = result(await call_kw(client, "pos.order", "web_read", [ids, {"name": {},
                                                                        "lines": {}}]))
    assert [r["id"] for r in read] == ids and all(isinstance(r["lines"], list) for r in read)
    legacy = result(await rpc(client, "/web/dataset/search_read", {
        "model": "pos.order", "fields": ["name", "partner_id"], "domain": TODAY, "limit": 5,
        "sort": "name asc", "context": {}}))
    rows = await run(orm, lambda env: env["pos.order"].search_read(
        TODAY, ["name", "partner_id"], limit=5, order="name asc"))
    assert legacy == {"length": 24, "records": rows}
    bad = await call_kw(client, "pos.order", "web_read", [ids, {"nope": {}}])
    assert bad["error"]["data"]["name"] == "builtins.ValueError"


def test_odoorpc_and_xmlrpc(live_server: Any) -> None:
    odoo = odoorpc.ODOO("127.0.0.1", port=live_server.port)
    odoo.login(live_server.db_name, "admin", "admin")
    spec = {"name": {}, "partner_id": {"fields": {"display_name": {}}}, "lines": {}}
    page = odoo.execute_kw("pos.order", "web_search_read", [TODAY, spec],
                           {"limit": 4, "order": "id"})
    assert page["length"] == 24 and len(page["records"]) == 4
    ids = [r["id"] for r in page["records"]]
    assert odoo.execute_kw("pos.order", "web_read", [ids, spec]) == page["records"]
    orders = odoo.env["pos.order"].read(ids, ["name", "partner_id", "lines"])
    for record, order in zip(page["records"], orders):
        assert record["name"] == order["name"] and record["lines"] == order["lines"]
        assert record["partner_id"] == ({"id": order["partner_id"][0],
                                         "display_name": order["partner_id"][1]}
                                        if order["partner_id"] else False)
    odoo.logout()

    with xmlrpc.client.ServerProxy(f"{live_server.url}/xmlrpc/2/common") as common:
        uid = common.authenticate(live_server.db_name, "admin", "admin", {})
    with xmlrpc.client.ServerProxy(f"{live_server.url}/xmlrpc/2/object") as models:
        legacy = models.execute_kw(live_server.db_name, uid, "admin", "pos.order",
                                   "web_search_read", [TODAY, ["name"]],
                                   {"limit": 2, "order": "id"})
        assert legacy == {"length": 24, "records": [{"id": i, "name": r["name"]}
                                                    for i, r in zip(ids, page["records"][:2])]}
        read = models.execute_kw(live_server.db_name, uid, "admin", "pos.order", "web_read",
                                 [ids[:2], spec])
        assert read == page["records"][:2]
