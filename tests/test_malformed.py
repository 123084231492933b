"""Bad input: an answer in the caller's protocol, and nothing harmed behind it.

Every case sends something malformed or hostile (ecosystem-security §3.1:
R1-R5 SQL and id payloads, J1-J4 JSON hazards, X1-X5 XML-RPC hazards) and
expects an Odoo error object, an XML-RPC fault or an HTTP 4xx, never a 500
or an HTML traceback. After *each* case the canary is checked: the same
rows in the tables the payloads aim at, the canary order unchanged, and a
normal call on the same front still answering.
"""
from __future__ import annotations

import gzip
import io
import zlib
import xmlrpc.client
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fronts import (ACCESS_DENIED, ACCESS_ERROR, ATTRIBUTE_ERROR, FRONTS, KEY_ERROR,
                          MISSING_ERROR, TYPE_ERROR, USER_ERROR, VALUE_ERROR, Answer, Fronts,
                          assert_error, assert_ok)
from tests.support import envelope

CANARY_MODELS = ("pos.order", "pos.order.line", "pos.payment", "res.partner", "product.product",
                 "res.users", "res.company")
CANARY_FIELDS = ["name", "state", "amount_total", "partner_id", "company_id", "lines"]
MB = 1024 * 1024


@dataclass
class Canary:
    """What must survive every case: row counts, one order, and a working front."""

    orm: Any
    fronts: Fronts
    counts: dict[str, int]
    order_id: int
    order: dict[str, Any]
    visible_orders: int

    @classmethod
    async def take(cls, orm: Any, fronts: Fronts) -> "Canary":
        async def snapshot(env: Any) -> tuple[dict[str, int], int, dict[str, Any]]:
            counts = {model: await env[model].search_count([]) for model in CANARY_MODELS}
            (order_id,) = await env["pos.order"].search([("name", "=", "BISTRO/0001")])
            (order,) = await env["pos.order"].read([order_id], CANARY_FIELDS)
            return counts, order_id, order
        counts, order_id, order = await orm.run(snapshot)
        visible = await orm.run(lambda env: env["pos.order"].search_count([]), login="manager")
        return cls(orm, fronts, counts, order_id, order, visible)

    async def check(self, front: str | None = None, what: str = "") -> None:
        async def snapshot(env: Any) -> tuple[dict[str, int], list[dict[str, Any]]]:
            counts = {model: await env[model].search_count([]) for model in CANARY_MODELS}
            return counts, await env["pos.order"].read([self.order_id], CANARY_FIELDS)
        counts, orders = await self.orm.run(snapshot)
        assert counts == self.counts, f"rows changed after {what}: {counts} != {self.counts}"
        assert orders == [self.order], f"the canary order changed after {what}"
        if front is not None:
            answer = await self.fronts.call(front, "manager", "pos.order", "search_count", ([],))
            assert assert_ok(answer) == self.visible_orders, what


@pytest.fixture
def fronts(client: Any, orm: Any) -> Fronts:
    return Fronts(client, orm)


@pytest.fixture
async def canary(orm: Any, fronts: Fronts) -> Canary:
    return await Canary.take(orm, fronts)


def assert_no_server_error(status: int, text: str) -> None:
    assert status < 500, (status, text[:500])
    assert "<html" not in text.lower() or "traceback" not in text.lower(), text[:500]
    assert not text.lstrip().startswith("Traceback"), text[:500]


# -- the JSON-RPC envelope (Odoo: HTTP 400 before any error object) ----------------------

JSON_PATHS = ("/web/dataset/call_kw", "/jsonrpc", "/web/session/authenticate")
JSON_TYPE = {"Content-Type": "application/json"}
DEEP = 100_000

#: (case, body, headers, status, the text Odoo answers)
RAW_JSON = [
    ("malformed", b'{"jsonrpc": "2.0", "params": ', JSON_TYPE, 400, "Invalid JSON data"),
    ("empty", b"", JSON_TYPE, 400, "Invalid JSON data"),
    ("not utf-8", b'{"params": "\xff\xfe"}', JSON_TYPE, 400, "Invalid JSON data"),
    ("NaN literal", b'{"params": {"x": NaN}}', JSON_TYPE, 400, "Invalid JSON data"),
    ("1e400", b'{"params": {"args": [[1e400]]}}', JSON_TYPE, 400, "Invalid JSON data"),
    ("trailing garbage", b'{"params": {}} {"params": {}}', JSON_TYPE, 400, "Invalid JSON data"),
    ("J1 huge id", b'{"jsonrpc": "2.0", "method": "call", "params": {}, "id": ' + b"9" * 5000
     + b"}", JSON_TYPE, 400, "Invalid JSON data"),
    ("J2 deep array", b"[" * DEEP + b"]" * DEEP, JSON_TYPE, 400, "Invalid JSON data"),
    ("J2 deep params", b'{"params": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}", JSON_TYPE,
     400, "Invalid JSON data"),
    ("array body", b'[{"jsonrpc": "2.0", "params": {}}]', JSON_TYPE, 400, "Invalid JSON-RPC data"),
    ("string body", b'"call"', JSON_TYPE, 400, "Invalid JSON-RPC data"),
    ("number body", b"42", JSON_TYPE, 400, "Invalid JSON-RPC data"),
    ("null body", b"null", JSON_TYPE, 400, "Invalid JSON-RPC data"),
    ("text/plain", b'{"params": {}}', {"Content-Type": "text/plain"}, 400, "type='json'"),
    ("form", b"params=1", {"Content-Type": "application/x-www-form-urlencoded"}, 400,
     "type='json'"),
    ("xml", b"<methodCall/>", {"Content-Type": "text/xml"}, 400, "type='json'"),
    ("no content type", b'{"params": {}}', {"Content-Type": ""}, 400, "type='json'"),
    ("gzip", gzip.compress(b'{"jsonrpc": "2.0", "method": "call", "params": {}}'),
     {**JSON_TYPE, "Content-Encoding": "gzip"}, 400, "Compressed"),
    ("deflate", zlib.compress(b'{"params": {}}'), {**JSON_TYPE, "Content-Encoding": "deflate"},
     400, "Compressed"),
    ("garbage gzip", b"\x1f\x8b not gzip at all",
     {**JSON_TYPE, "Content-Encoding": "gzip", "Connection": "close"}, 400, "Compressed"),
]


@pytest.mark.parametrize("path", JSON_PATHS)
async def test_json_envelope_refused_with_http_400(client: Any, fronts: Fronts, canary: Canary,
                                                   path: str) -> None:
    front = "jsonrpc" if path == "/jsonrpc" else "call_kw"
    await fronts.web_session("manager")
    for case, body, headers, status, text in RAW_JSON:
        response = await client.post(path, data=body, headers=headers)
        answer = await response.text()
        assert_no_server_error(response.status, answer)
        assert response.status == status and text in answer, (case, response.status, answer)
        assert len(answer) < 200, case     # Odoo's short text, nothing echoed back
        await canary.check(front, case)


async def test_huge_request_ids_are_not_echoed(client: Any) -> None:
    for request_id, echoed in ((2**53, 2**53), (2**60, None), (-(2**60), None), (1.5, 1.5),
                               ("x" * 1000, "x" * 1000), ([1], [1]), ({"a": 1}, {"a": 1})):
        response = await client.post("/web/webclient/version_info",
                                     json=envelope({}, request_id))
        body = await response.json()
        assert body["id"] == echoed and body["result"]["server_version"]


@pytest.mark.parametrize("path", ["/web/dataset/call_kw", "/jsonrpc", "/xmlrpc/2/object",
                                  "/xmlrpc/object", "/json/2/res.partner/search"])
async def test_oversized_bodies_are_413(client: Any, fronts: Fronts, canary: Canary,
                                        path: str) -> None:
    """J3: 20 MB is refused before it is parsed, with or without a Content-Length."""
    headers = {"Content-Type": "text/xml" if "xmlrpc" in path else "application/json"}
    if path.startswith("/json/2"):
        headers["Authorization"] = f"bearer {await fronts.api_key('manager')}"

    async def chunks() -> Any:
        for _ in range(20):
            yield b" " * MB

    for case, data in (("content-length", io.BytesIO(b" " * (20 * MB))), ("chunked", chunks())):
        response = await client.post(path, data=data, headers=headers)
        text = await response.text()
        assert response.status == 413, (case, response.status, text[:200])
        assert_no_server_error(response.status, text)
        await canary.check("jsonrpc", f"{case} {path}")


# -- params that are not what the route expects (HTTP 200, an Odoo error object) ------------

CALL_KW_PARAMS = [
    ("params list", [1, 2], VALUE_ERROR, "Invalid JSON-RPC params"),
    ("params string", "call", VALUE_ERROR, "Invalid JSON-RPC params"),
    ("params null", None, TYPE_ERROR, "missing 4 required positional arguments"),
    ("no model", {"method": "search", "args": [[]], "kwargs": {}}, TYPE_ERROR,
     "missing 1 required positional argument: 'model'"),
    ("no method", {"model": "res.partner", "args": [[]], "kwargs": {}}, TYPE_ERROR,
     "missing 1 required positional argument: 'method'"),
    ("no args", {"model": "res.partner", "method": "search", "kwargs": {}}, TYPE_ERROR,
     "missing 1 required positional argument: 'args'"),
    ("no kwargs", {"model": "res.partner", "method": "search", "args": [[]]}, TYPE_ERROR,
     "missing 1 required positional argument: 'kwargs'"),
    ("args dict", {"model": "res.partner", "method": "search", "args": {"domain": []},
                   "kwargs": {}}, TYPE_ERROR, "args must be a list"),
    ("args string", {"model": "res.partner", "method": "search", "args": "[]", "kwargs": {}},
     TYPE_ERROR, "args must be a list"),
    ("args null", {"model": "res.partner", "method": "search", "args": None, "kwargs": {}},
     TYPE_ERROR, "args must be a list"),
    ("kwargs list", {"model": "res.partner", "method": "search", "args": [[]], "kwargs": [1]},
     TYPE_ERROR, "kwargs must be an object"),
    ("kwargs string", {"model": "res.partner", "method": "search", "args": [[]],
                       "kwargs": "limit=1"}, TYPE_ERROR, "kwargs must be an object"),
    ("context string", {"model": "res.partner", "method": "search", "args": [[]],
                        "kwargs": {"context": "lang=fr"}}, VALUE_ERROR, "Invalid context"),
    ("context list", {"model": "res.partner", "method": "search", "args": [[]],
                      "kwargs": {"context": [["lang", "fr"]]}}, VALUE_ERROR, "Invalid context"),
    ("model number", {"model": 5, "method": "search", "args": [[]], "kwargs": {}}, KEY_ERROR,
     "5"),
    ("model list", {"model": ["res.partner"], "method": "search", "args": [[]], "kwargs": {}},
     None, ""),
    ("model null", {"model": None, "method": "search", "args": [[]], "kwargs": {}}, KEY_ERROR,
     "None"),
    ("method number", {"model": "res.partner", "method": 5, "args": [[]], "kwargs": {}},
     TYPE_ERROR, "Invalid method name 5"),
    ("method null", {"model": "res.partner", "method": None, "args": [[]], "kwargs": {}},
     TYPE_ERROR, "Invalid method name None"),
]


async def test_call_kw_params_refused(fronts: Fronts, canary: Canary) -> None:
    await fronts.web_session("manager")
    for case, params, name, message in CALL_KW_PARAMS:
        answer = await fronts.post_json("call_kw", "/web/dataset/call_kw", params)
        if name is None:      # which builtin depends on the type; the shape does not
            assert answer.body["error"]["data"]["name"].startswith("builtins."), case
        else:
            try:
                assert_error(answer, name, message)
            except AssertionError as exc:
                exc.add_note(f"case: {case}")
                raise
        await canary.check("call_kw", case)


JSONRPC_PARAMS = [
    ("params null", None, KEY_ERROR, "None"),
    ("params list", [1], VALUE_ERROR, "Invalid JSON-RPC params"),
    ("no service", {"method": "version", "args": []}, KEY_ERROR, "None"),
    ("service number", {"service": 1, "method": "version", "args": []}, KEY_ERROR, "1"),
    ("service list", {"service": ["common"], "method": "version", "args": []}, None, ""),
    ("method number", {"service": "common", "method": 1, "args": []}, TYPE_ERROR,
     "Invalid method 1"),
    ("args dict", {"service": "common", "method": "version", "args": {"a": 1}}, TYPE_ERROR,
     "args must be a list"),
    ("args string", {"service": "common", "method": "login", "args": "gateway"}, TYPE_ERROR,
     "args must be a list"),
    ("object, too few args", {"service": "object", "method": "execute_kw",
                              "args": ["gateway", 4]}, TYPE_ERROR, "missing required arguments"),
    ("object, uid string", {"service": "object", "method": "execute_kw",
                            "args": ["gateway", "4", "manager", "res.partner", "search", [[]]]},
     ACCESS_DENIED, "Access Denied"),
    ("object, uid true", {"service": "object", "method": "execute_kw",
                          "args": ["gateway", True, "admin", "res.partner", "search", [[]]]},
     ACCESS_DENIED, "Access Denied"),
    ("object, uid beyond int4", {"service": "object", "method": "execute_kw",
                                 "args": ["gateway", 2**40, "admin", "res.partner", "search",
                                          [[]]]}, ACCESS_DENIED, "Access Denied"),
    ("object, uid beyond int64", {"service": "object", "method": "execute_kw",
                                  "args": ["gateway", 2**64 - 1, "admin", "res.partner",
                                           "search", [[]]]}, ACCESS_DENIED, "Access Denied"),
    ("object, uid negative", {"service": "object", "method": "execute_kw",
                              "args": ["gateway", -2, "admin", "res.partner", "search", [[]]]},
     ACCESS_DENIED, "Access Denied"),
    ("object, password dict", {"service": "object", "method": "execute_kw",
                               "args": ["gateway", 4, {"$ne": ""}, "res.partner", "search",
                                        [[]]]}, ACCESS_DENIED, "Access Denied"),
    ("object, db list", {"service": "object", "method": "execute_kw",
                         "args": [["gateway"], 4, "manager", "res.partner", "search", [[]]]},
     ACCESS_ERROR, "Database not found."),
    ("execute_kw args dict", {"service": "object", "method": "execute_kw",
                              "args": ["gateway", 4, "manager", "res.partner", "search",
                                       {"domain": []}]}, TYPE_ERROR, "args must be a list"),
    ("execute_kw kwargs list", {"service": "object", "method": "execute_kw",
                                "args": ["gateway", 4, "manager", "res.partner", "search", [[]],
                                         [1]]}, TYPE_ERROR, "kwargs must be an object"),
    ("common.login, too few", {"service": "common", "method": "login", "args": ["gateway"]},
     TYPE_ERROR, "missing required positional arguments"),
]


async def test_jsonrpc_params_refused(fronts: Fronts, canary: Canary) -> None:
    for case, params, name, message in JSONRPC_PARAMS:
        answer = await fronts.post_json("jsonrpc", "/jsonrpc", params)
        if name is None:
            assert answer.body["error"]["data"]["name"].startswith("builtins."), case
        else:
            try:
                assert_error(answer, name, message)
            except AssertionError as exc:
                exc.add_note(f"case: {case}")
                raise
        await canary.check("jsonrpc", case)


# -- argument values, through every front ------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    """A call with a hostile or ill-typed argument, and what it must come back as."""

    case: str
    model: str
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    name: str | None          # the Odoo exception name, or None: the call answers normally
    message: str = ""
    result: Any = None        # the normal answer, when name is None
    xml: bool = True          # XML-RPC can carry it (ints beyond 32 bits cannot be sent)


def bad(case: str, model: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any] | None,
        name: str | None, message: str = "", **extra: Any) -> Bad:
    return Bad(case, model, method, args, kwargs or {}, name, message, **extra)


INJECT = 'name" = "1337"); delete from pos_order -- '
WRONG_TYPES = [
    bad("ids string", "res.partner", "read", ("1", ["name"]), None, VALUE_ERROR, "Invalid ids"),
    bad("ids dict", "res.partner", "read", ({"id": 1}, ["name"]), None, VALUE_ERROR,
        "Invalid ids"),
    bad("ids nested", "res.partner", "read", ([[1]], ["name"]), None, VALUE_ERROR, "Invalid id"),
    bad("ids boolean", "res.partner", "read", (True, ["name"]), None, VALUE_ERROR, "Invalid ids"),
    bad("ids [true]", "res.partner", "read", ([True], ["name"]), None, VALUE_ERROR, "Invalid id"),
    bad("ids null", "res.partner", "read", (None, ["name"]), None, VALUE_ERROR, "Invalid ids"),
    bad("ids float", "res.partner", "read", ([1.5], ["name"]), None, VALUE_ERROR, "Invalid id"),
    bad("ids 'NaN'", "res.partner", "read", ("NaN", ["name"]), None, VALUE_ERROR, "Invalid ids"),
    bad("ids ['NaN']", "res.partner", "write", (["NaN"], {"name": "x"}), None, VALUE_ERROR,
        "Invalid id"),
    bad("limit '1;'", "pos.order", "search", ([],), {"limit": "1;"}, VALUE_ERROR,
        "Invalid limit '1;'"),
    bad("limit -1", "pos.order", "search", ([],), {"limit": -1}, VALUE_ERROR, "Invalid limit"),
    bad("limit 2**63", "pos.order", "search", ([],), {"limit": 2**63}, VALUE_ERROR,
        "Invalid limit", xml=False),
    bad("count limit 2**64-1", "pos.order", "search_count", ([],), {"limit": 2**64 - 1},
        VALUE_ERROR, "Invalid limit", xml=False),
    bad("offset -1", "pos.order", "search", ([],), {"offset": -1}, VALUE_ERROR,
        "Invalid offset -1"),
    bad("offset 2**63", "pos.order", "search_read", ([],), {"offset": 2**63}, VALUE_ERROR,
        "Invalid offset", xml=False),
    bad("offset string", "pos.order", "search_read", ([],), {"offset": "0 union select 1"},
        VALUE_ERROR, "Invalid offset"),
    bad("fields SQL string", "pos.order", "search_read", ([],),
        {"fields": "name; drop table pos_order"}, VALUE_ERROR, "Invalid field"),
    bad("read fields SQL string", "pos.order", "read", ([1],),
        {"fields": 'name"; drop table pos_order --'}, VALUE_ERROR, "Invalid field"),
    bad("fields of numbers", "pos.order", "search_read", ([],), {"fields": [1, 2]}, VALUE_ERROR,
        "Invalid field list"),
    bad("domain string", "pos.order", "search", ("id = 1 or 1=1",), None, VALUE_ERROR),
    bad("domain dict", "pos.order", "search", ({"id": 1},), None, VALUE_ERROR),
    bad("domain number", "pos.order", "search", (5,), None, VALUE_ERROR),
    bad("domain value dict", "res.partner", "search", ([["name", "=", {"$gt": ""}]],), None,
        VALUE_ERROR),
    bad("domain id SQL", "res.partner", "search", ([["id", "=", "1 or 1=1"]],), None,
        VALUE_ERROR),
    bad("order number", "pos.order", "search", ([],), {"order": 5}, USER_ERROR,
        'Invalid "order" specified'),
    bad("order list", "pos.order", "search", ([],), {"order": ["name"]}, USER_ERROR,
        'Invalid "order" specified'),
    bad("vals string", "res.partner", "write", ([1], "name=x"), None, VALUE_ERROR,
        "Invalid values"),
    bad("vals list", "res.partner", "create", ([["name", "x"]],), None, VALUE_ERROR,
        "Invalid values"),
    bad("vals_list string", "res.partner", "create", ("x",), None, VALUE_ERROR,
        "Invalid values"),
    bad("copy default string", "res.partner", "copy", ([1], "x"), None, VALUE_ERROR,
        "Invalid default"),
    bad("context string", "pos.order", "search", ([],), {"context": "x"}, VALUE_ERROR,
        "Invalid context"),
    bad("allowed companies strings", "pos.order", "search", ([],),
        {"context": {"allowed_company_ids": ["1 or 1=1"]}}, ACCESS_ERROR,
        "Access to unauthorized or invalid companies."),
    bad("many2one SQL", "res.partner", "write", ([1], {"parent_id": "1; drop table x"}), None,
        VALUE_ERROR),
    bad("x2many command garbage", "pos.order", "write", ([1], {"lines": [[9, 9, 9]]}), None,
        VALUE_ERROR, "Invalid x2many command"),
    bad("x2many SQL", "pos.order", "write", ([1], {"lines": "(select 1)"}), None, VALUE_ERROR),
]


@pytest.mark.parametrize("front", FRONTS)
async def test_wrong_argument_types(fronts: Fronts, canary: Canary, front: str) -> None:
    await run_table(fronts, canary, front, WRONG_TYPES)


async def run_table(fronts: Fronts, canary: Canary, front: str, table: list[Bad]) -> None:
    for case in table:
        if front.startswith("xmlrpc") and not case.xml:
            continue
        try:
            answer = await fronts.call(front, "manager", case.model, case.method, case.args,
                                       case.kwargs)
            if case.name is None:
                result = assert_ok(answer)
                if case.result is not None:
                    assert result == case.result
            else:
                assert_error(answer, case.name, case.message or None)
            await canary.check(front, case.case)
        except AssertionError as exc:
            exc.add_note(f"case: {case.case} on {front}")
            raise


# -- SQL where it does not belong (R1-R3, R5) -----------------------------------------------

INJECTIONS = [
    # R1: field names and operators of a domain
    *[bad(f"R1 field {tail!r}", "pos.order", "search_read",
          ([[INJECT + tail, "=", "1337"]],), {"fields": ["name"]}, VALUE_ERROR, "Invalid field")
      for tail in ("-", "'", "\\")],
    bad("R1 path", "pos.order", "search", ([['partner_id.name"; delete from pos_order --', "=",
                                             "x"]],), None, VALUE_ERROR, "Invalid field"),
    bad("R1 operator or", "pos.order", "search", ([["name", "= 'x' or 1=1 --", "x"]],), None,
        VALUE_ERROR, "Invalid leaf"),
    bad("R1 operator subquery", "pos.order", "search",
        ([["id", "in (select id from res_users) --", 1]],), None, VALUE_ERROR, "Invalid leaf"),
    bad("R1 operator statement", "pos.order", "search",
        ([["id", "=", 1], "|", ["name", "; delete from pos_order; --", 1]],), None,
        VALUE_ERROR),
    bad("R1 boolean operator", "pos.order", "search", (["or 1=1", ["id", "=", 1]],), None,
        VALUE_ERROR),
    bad("R1 name_search operator", "res.partner", "name_search", (),
        {"name": "x", "operator": "= 'x' or 1=1 --"}, VALUE_ERROR, "Invalid leaf"),
    # values are data, whatever they say
    bad("R1 value", "pos.order", "search", ([["name", "=", "x'); delete from pos_order; --"]],),
        None, None, result=[]),
    bad("R1 value ilike", "pos.order", "search", ([["name", "ilike", "%' or '1'='1"]],), None,
        None, result=[]),
    bad("R1 name_search value", "res.partner", "name_search", (),
        {"name": "x'; delete from pos_order; --"}, None, result=[]),
    # R2: order
    *[bad(f"R2 order {order!r}", "pos.order", "search", ([],), {"order": order}, USER_ERROR,
          'Invalid "order" specified')
      for order in ('name"; delete from pos_order --', "id desc, (select 1)",
                    "name desc nulls first; --", "(select 1)", "id desc limit 1",
                    "id; delete from pos_order", "name collate \"C\"", "id desc -- x")],
    bad("R2 order unknown field", "pos.order", "search", ([],), {"order": "nope desc"},
        VALUE_ERROR, "Invalid field"),
    bad("R2 order on search_read", "pos.order", "search_read", ([],),
        {"fields": ["name"], "order": 'name"; delete from pos_order --'}, USER_ERROR,
        'Invalid "order" specified'),
    # R3: field lists
    bad("R3 read fields", "pos.order", "read", ([1], ['name"; drop table pos_order --']), None,
        VALUE_ERROR, "Invalid field"),
    bad("R3 search_read fields", "pos.order", "search_read", ([],),
        {"fields": ["name", 'id"; drop table pos_order --']}, VALUE_ERROR, "Invalid field"),
    bad("R3 read_group groupby", "pos.order", "read_group", ([], ["amount_total:sum"],
                                                             ['name"; drop table pos_order --']),
        None, VALUE_ERROR),
    bad("R3 read_group aggregate", "pos.order", "read_group",
        ([], ['amount_total:sum(1); drop table pos_order'], ["state"]), None, VALUE_ERROR),
    # value keys of create / write
    bad("create key", "res.partner", "create", ({'name"; delete from pos_order --': "x"},), None,
        VALUE_ERROR, "Invalid field"),
    bad("write key", "res.partner", "write", ([1], {"name": "x", "1=1; --": "x"}), None,
        VALUE_ERROR, "Invalid field"),
    bad("write key on order", "pos.order", "write", ([1], {'state" = \'paid\' --': "x"}), None,
        VALUE_ERROR, "Invalid field"),
    # R5: private names and the peewee machinery under the models
    *[bad(f"R5 {method}", "res.partner", method, ([],), None, ACCESS_ERROR,
          "cannot be called remotely")
      for method in ("_write", "init", "__init__", "__class__", "_sql_query", "_setup",
                     "_where", "__getattribute__")],
    *[bad(f"R5 {method}", "res.partner", method, (), None, ATTRIBUTE_ERROR, "does not exist")
      for method in ("sudo", "with_context", "with_user", "select", "delete", "insert", "raw",
                     "drop_table", "truncate_table", "update", "create_table")],
]


@pytest.mark.parametrize("front", FRONTS)
async def test_sql_injection_refused_or_treated_as_data(fronts: Fronts, canary: Canary,
                                                        front: str) -> None:
    await run_table(fronts, canary, front, INJECTIONS)


# -- R4: ids that cannot be records ------------------------------------------------------------

UNREAL_IDS = (([-1], True), ([0], True), ([2**31], False), ([2**40], False),
              ([2**63], False), ([2**64 - 1], False))
IDS = [
    # ids are int4 serials: anything outside 1..2**31-1 is no record, on both backends
    *[bad(f"read {ids!r}", "pos.order", "read", (ids, ["name"]), None, None, result=[],
          xml=xml) for ids, xml in UNREAL_IDS],
    *[bad(f"{method} {ids!r}", "pos.order", method, (ids, *extra), None, MISSING_ERROR,
          "Record does not exist or has been deleted.", xml=xml)
      for ids, xml in UNREAL_IDS
      for method, extra in (("write", ({"note": "x"},)), ("unlink", ()))],
    bad("link to 2**40", "pos.order", "write", ([1], {"partner_id": 2**40}), None,
        "odoo.exceptions.ValidationError", "does not exist", xml=False),
    *[bad(f"read {ids!r} (a float in JSON)", "pos.order", "read", (ids, ["name"]), None,
          VALUE_ERROR, "Invalid id", xml=False) for ids in ([2**64], [-(2**63) - 1])],
    bad("exists -1", "pos.order", "exists", ([-1, 0],), None, None, result=[]),
    bad("name_get 0", "pos.order", "name_get", ([0],), None, None, result=[]),
    bad("copy -1", "pos.order", "copy", ([-1],), None, MISSING_ERROR),
    bad("read true", "pos.order", "read", ([True],), None, VALUE_ERROR),
    bad("read [[1]]", "pos.order", "read", ([[1]],), None, VALUE_ERROR),
    bad("read 'NaN'", "pos.order", "read", ("NaN",), None, VALUE_ERROR),
    bad("domain id 2**63", "pos.order", "search", ([["id", "=", 2**63]],), None, VALUE_ERROR,
        xml=False),
    bad("domain id in huge", "pos.order", "search", ([["id", "in", [1, 2**64 - 1]]],), None,
        VALUE_ERROR, xml=False),
    bad("domain id -1", "pos.order", "search", ([["id", "=", -1]],), None, None, result=[]),
]


@pytest.mark.parametrize("front", FRONTS)
async def test_ids_that_cannot_exist(fronts: Fronts, canary: Canary, front: str) -> None:
    await run_table(fronts, canary, front, IDS)


async def test_nan_and_infinity_cannot_be_stored(fronts: Fronts, orm: Any,
                                                 canary: Canary) -> None:
    """JSON has no NaN, XML-RPC has: a non-number never reaches a column."""
    before = await orm.run(lambda env: env["product.product"].read([1], ["list_price"]))
    for value in (float("nan"), float("inf"), float("-inf")):
        for front in ("xmlrpc2", "xmlrpc"):
            answer = await fronts.call(front, "manager", "product.product", "write",
                                       ([1], {"list_price": value}))
            assert_error(answer, VALUE_ERROR, "list_price")
            answer = await fronts.call(front, "manager", "product.product", "search",
                                       ([["list_price", ">", value]],))
            assert_no_server_error(answer.status, answer.text)
            await canary.check(front, f"{value} via {front}")
    assert await orm.run(lambda env: env["product.product"].read([1], ["list_price"])) == before


async def test_domain_nesting_and_size_are_bounded(fronts: Fronts, canary: Canary) -> None:
    """R8: deep or huge domains are refused cleanly, on every front."""
    leaf = ["id", "=", 1]
    domains = {
        "10 000 nots": ["!"] * 10_000 + [leaf],
        "5 000 ands": ["&"] * 5_000 + [leaf] * 5_001,
        "20 000 leaves": [leaf] * 20_000,
    }
    for front in ("call_kw", "jsonrpc", "json2"):
        for case, domain in domains.items():
            answer = await fronts.call(front, "manager", "pos.order", "search", (domain,))
            assert_error(answer, VALUE_ERROR, "Invalid domain")
            await canary.check(front, case)


# -- XML-RPC hazards (X1-X5) ------------------------------------------------------------

def call_xml(method: str, *params: str) -> bytes:
    values = "".join(f"<param><value>{p}</value></param>" for p in params)
    return (f"<?xml version='1.0'?><methodCall><methodName>{method}</methodName>"
            f"<params>{values}</params></methodCall>").encode()


def s(text: str) -> str:
    return f"<string>{text}</string>"


def array(*values: str) -> str:
    return "<array><data>" + "".join(f"<value>{v}</value>" for v in values) + "</data></array>"


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                    for i in range(1, 10))
          + ']>\n<methodCall><methodName>&lol9;</methodName></methodCall>')
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + "a" * 100_000 + '">]>'
             + "<methodCall><methodName>version</methodName><params><param><value><string>"
             + "&a;" * 20_000 + "</string></value></param></params></methodCall>")


def external(uri: str) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "{uri}">]>'
            "<methodCall><methodName>execute_kw</methodName><params>"
            "<param><value><string>&ext;</string></value></param></params></methodCall>")


def execute_kw(uid: str, model: str, method: str, args: str, kwargs: str = "<struct/>",
               password: str = "manager") -> bytes:
    return call_xml("execute_kw", s("gateway"), uid, s(password), s(model), s(method), args,
                    kwargs)


#: (case, body, the Odoo exception name of the fault, a part of its message)
XML_CASES = [
    ("X1 doctype", b'<?xml version="1.0"?><!DOCTYPE methodCall><methodCall><methodName>version'
     b"</methodName></methodCall>", "DOCTYPE"),
    ("X1 billion laughs", LAUGHS.encode(), "DOCTYPE"),
    ("X2 quadratic blowup", QUADRATIC.encode(), "DOCTYPE"),
    ("X3 external file", external("file:///etc/passwd").encode(), "DOCTYPE"),
    ("X3 external http", external("http://169.254.169.254/latest/meta-data/").encode(),
     "DOCTYPE"),
    ("X3 parameter entity", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
     b'"file:///etc/passwd"> %p;]><methodCall><methodName>version</methodName></methodCall>',
     "DOCTYPE"),
    ("X3 lowercase doctype", b'<?xml version="1.0"?><!doctype x [<!entity e "x">]>'
     b"<methodCall><methodName>version</methodName></methodCall>", "DOCTYPE"),
    ("not xml", b"hello world", "Malformed XML-RPC request"),
    ("json", b'{"method": "version"}', "Malformed XML-RPC request"),
    ("empty", b"", "Malformed XML-RPC request"),
    ("truncated", call_xml("version")[:-20], "Malformed XML-RPC request"),
    ("no method name", b"<?xml version='1.0'?><methodCall><params/></methodCall>",
     "Malformed XML-RPC request"),
    ("response instead of call", b"<?xml version='1.0'?><methodResponse><params><param><value>"
     b"<int>1</int></value></param></params></methodResponse>", "Malformed XML-RPC request"),
    ("X5 bad int", call_xml("execute_kw", s("gateway"), "<int>4 or 1=1</int>"),
     "Malformed XML-RPC request"),
    ("X5 bad boolean", call_xml("execute_kw", s("gateway"), "<boolean>2</boolean>"),
     "Malformed XML-RPC request"),
    ("X5 bad double", call_xml("execute_kw", s("gateway"), "<double>one</double>"),
     "Malformed XML-RPC request"),
    ("X5 unknown type", call_xml("execute_kw", s("gateway"), "<sql>drop table x</sql>"),
     "Malformed XML-RPC request"),
]


@pytest.mark.parametrize("path", ["/xmlrpc/2/object", "/xmlrpc/object", "/xmlrpc/2/common"])
async def test_xmlrpc_hazards_are_faults(client: Any, canary: Canary, path: str) -> None:
    front = "xmlrpc" if path.startswith("/xmlrpc/object") else "xmlrpc2"
    for case, body, message in XML_CASES:
        response = await client.post(path, data=body, headers={"Content-Type": "text/xml"})
        text = await response.text()
        assert response.status == 200, (case, response.status, text[:300])
        answer = Answer(front, False, status=200, text=text)
        with pytest.raises(xmlrpc.client.Fault) as caught:
            xmlrpc.client.loads(text)
        answer.body = caught.value
        try:
            shown = assert_error(answer, VALUE_ERROR, message)
        except AssertionError as exc:
            exc.add_note(f"case: {case} on {path}")
            raise
        assert "root:" not in text and "lollol" not in text, case  # nothing expanded
        assert len(text) < 20_000, case
        assert shown
        await canary.check(front, case)


async def test_xmlrpc_values_out_of_range(client: Any, fronts: Fronts, canary: Canary) -> None:
    """X5: values the unmarshaller accepts but the server must not trust."""
    uid = f"<int>{await fronts.uid('manager')}</int>"
    cases = [
        # an i4 beyond 32 bits as the uid: no such user
        ("i4 uid", execute_kw("<i4>99999999999</i4>", "res.partner", "search_count",
                              array(array())), ACCESS_DENIED, "Access Denied"),
        # NaN where an id belongs
        ("nan id", execute_kw(uid, "pos.order", "read",
                              array(array("<double>nan</double>"))), VALUE_ERROR, "Invalid id"),
        # a date that is not a date, in a domain
        ("garbage dateTime", execute_kw(uid, "pos.order", "search", array(array(array(
            s("date_order"), s(">"), "<dateTime.iso8601>garbage</dateTime.iso8601>")))),
         VALUE_ERROR, "garbage"),
        ("nil as ids", execute_kw(uid, "pos.order", "read", array("<nil/>")),
         VALUE_ERROR, "Invalid ids"),
    ]
    for front, path in (("xmlrpc2", "/xmlrpc/2/object"), ("xmlrpc", "/xmlrpc/object")):
        for case, body, name, message in cases:
            answer = await fronts.post_xml(front, path, body)
            try:
                assert_error(answer, name, message)
            except AssertionError as exc:
                exc.add_note(f"case: {case} on {path}")
                raise
            await canary.check(front, case)
        # an i4 beyond 32 bits where an id belongs: no such record
        answer = await fronts.post_xml(front, path, execute_kw(
            uid, "pos.order", "read", array(array("<i4>99999999999</i4>"))))
        assert assert_ok(answer) == []


async def test_xmlrpc_unknown_service_and_method(fronts: Fronts, client: Any,
                                                 canary: Canary) -> None:
    for front, path in (("xmlrpc2", "/xmlrpc/2/nosuch"), ("xmlrpc", "/xmlrpc/nosuch"),
                        ("xmlrpc2", "/xmlrpc/2/object%00"), ("xmlrpc", "/xmlrpc/__class__")):
        answer = await fronts.post_xml(front, path, call_xml("version"))
        assert_error(answer, KEY_ERROR)
        await canary.check(front, path)
    for path in ("/xmlrpc/2/", "/xmlrpc/", "/xmlrpc/2/object/extra"):
        response = await client.post(path, data=call_xml("version"))
        assert response.status == 404, path
        assert_no_server_error(response.status, await response.text())
    for front, path, name in (("xmlrpc2", "/xmlrpc/2/object", "builtins.NameError"),
                              ("xmlrpc2", "/xmlrpc/2/common", "builtins.Exception"),
                              ("xmlrpc", "/xmlrpc/db", KEY_ERROR)):
        answer = await fronts.post_xml(front, path, call_xml("no_such_method"))
        assert_error(answer, name, "no_such_method")
    for path in ("/xmlrpc/2/object", "/xmlrpc/object"):
        response = await client.get(path)
        assert response.status == 405
        assert_no_server_error(response.status, await response.text())


async def test_xmlrpc_compressed_bodies_are_refused(fronts: Fronts, canary: Canary) -> None:
    """X4: no inflating of request bodies (decompression bombs)."""
    body = call_xml("version")
    encodings = [("gzip", gzip.compress(body), {}), ("GZIP", gzip.compress(body), {}),
                 ("deflate", zlib.compress(body), {}),
                 # a body that does not even inflate: the connection is not reused after it
                 ("gzip", b"\x1f\x8b" + b"\x00" * 64, {"Connection": "close"})]
    for front, path in (("xmlrpc2", "/xmlrpc/2/common"), ("xmlrpc", "/xmlrpc/common")):
        for encoding, data, headers in encodings:
            answer = await fronts.post_xml(front, path, data,
                                           headers={"Content-Encoding": encoding, **headers})
            assert_error(answer, VALUE_ERROR, "Compressed XML-RPC requests are not accepted")
            await canary.check(front, encoding)
        # an encoding the HTTP layer cannot even decode: refused before the handler
        response = await fronts.client.post(path, data=body, headers={
            "Content-Type": "text/xml", "Content-Encoding": "br", "Connection": "close"})
        text = await response.text()
        assert response.status in (200, 400), (response.status, text[:200])
        assert_no_server_error(response.status, text)
        if response.status == 200:
            with pytest.raises(xmlrpc.client.Fault):
                xmlrpc.client.loads(text)
        await canary.check(front, "br")


# -- JSON-2 ----------------------------------------------------------------------------------

async def test_json2_malformed(fronts: Fronts, canary: Canary) -> None:
    key = await fronts.api_key("manager")
    cases = [
        ("text/plain", dict(body=None, data=b"{}", content_type="text/plain"), 415, TYPE_ERROR),
        ("form", dict(body=None, data=b"a=1", content_type="application/x-www-form-urlencoded"),
         415, TYPE_ERROR),
        ("malformed", dict(body=None, data=b'{"domain": '), 400, VALUE_ERROR),
        ("NaN", dict(body=None, data=b'{"limit": NaN}'), 400, VALUE_ERROR),
        ("deep", dict(body=None, data=b"[" * DEEP + b"]" * DEEP), 400, VALUE_ERROR),
        ("huge int", dict(body=None, data=b'{"limit": ' + b"9" * 5000 + b"}"), 400, VALUE_ERROR),
        ("array", dict(body=[[]]), 400, TYPE_ERROR),
        ("string", dict(body="domain"), 400, TYPE_ERROR),
        ("unknown argument", dict(body={"domain": [], "where": "1=1"}), 400, TYPE_ERROR),
        ("args smuggled", dict(body={"args": [[]]}), 400, TYPE_ERROR),
        ("order", dict(body={"order": "id; delete from pos_order"}), 422, USER_ERROR),
        ("domain", dict(body={"domain": [[INJECT, "=", 1]]}), 422, VALUE_ERROR),
        ("context", dict(body={"context": "x"}), 422, VALUE_ERROR),
        ("companies", dict(body={"context": {"allowed_company_ids": [4]}}), 403, ACCESS_ERROR),
    ]
    for case, request, status, name in cases:
        answer = await fronts.post_json2("pos.order", "search", key=key, **request)
        assert answer.status == status and answer.body["name"] == name, (case, answer)
        await canary.check("json2", case)
    for encoding, data in (("gzip", gzip.compress(b"{}")), ("deflate", zlib.compress(b"{}"))):
        answer = await fronts.post_json2("pos.order", "search", None, key=key, data=data,
                                         headers={"Content-Encoding": encoding})
        assert answer.status == 400 and answer.body["name"] == VALUE_ERROR, (encoding, answer)
        assert answer.body["message"] == "Compressed requests are not accepted"
        await canary.check("json2", encoding)
