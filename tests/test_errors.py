"""Error shapes: every exception kind, through every front, in Odoo's shape for that front.

One table of real triggers (one per Odoo exception class a client can
receive) is sent through every producer: ``/web/dataset/call_kw``,
``/jsonrpc``, ``/xmlrpc/2``, the legacy ``/xmlrpc`` and JSON-2; one contract
(``tests.fronts.assert_error``) checks each answer. Then the recorded Odoo
answers (``odoo-golden/error_*.json``) are replayed, and the production
setting is checked to keep tracebacks out of every answer.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.app import create_app
from tests.fronts import (ACCESS_DENIED, ACCESS_ERROR, ATTRIBUTE_ERROR, FRONTS, KEY_ERROR,
                          MISSING_ERROR, SESSION_EXPIRED, TYPE_ERROR, USER_ERROR,
                          VALIDATION_ERROR, VALUE_ERROR, Fronts, assert_error, assert_ok,
                          web_answer)
from tests.support import envelope, login, rpc

GOLDEN = os.environ.get("GATEWAY_GOLDEN_DIR", "/work/shared/odoo-golden")
#: The fronts that reach models through Odoo's ``object`` service.
OBJECT_SERVICE_FRONTS = ("jsonrpc", "xmlrpc2", "xmlrpc")


@dataclass(frozen=True)
class Trigger:
    """A call that makes the server raise ``name`` (an Odoo exception class name)."""

    id: str
    name: str
    login: str
    model: str
    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    #: front -> (name, message) where that front answers otherwise
    fronts: dict[str, tuple[str, str]] = field(default_factory=dict)

    def expected(self, front: str) -> tuple[str, str]:
        return self.fronts.get(front, (self.name, self.message))


TRIGGERS = [
    Trigger("invalid-order", USER_ERROR, "manager", "pos.order", "search_read", ([],),
            {"fields": ["name"], "order": "name; drop table pos_order"},
            'Invalid "order" specified (name; drop table pos_order)'),
    Trigger("required-field", VALIDATION_ERROR, "manager", "product.product", "create",
            ({"list_price": 3.0},), {},
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set."),
    Trigger("private-method", ACCESS_ERROR, "manager", "res.partner", "_foo", ([],), {},
            "Private methods (such as _foo) cannot be called remotely."),
    Trigger("model-rights", ACCESS_ERROR, "waiter", "res.users", "create",
            ({"name": "x", "login": "x-golden"},), {},
            "You are not allowed to create 'User' (res.users) records."),
    Trigger("missing-record", MISSING_ERROR, "manager", "res.partner", "write",
            ([999999], {"name": "x"}), {},
            "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: "),
    # the web client's call_kw lets the registry's KeyError through; the object
    # service (/jsonrpc, XML-RPC) checks the model first (odoo/service/model.py)
    Trigger("unknown-model", KEY_ERROR, "manager", "no.such.model", "search_read", ([],),
            {"limit": 1}, "no.such.model",
            fronts={front: (USER_ERROR, "Object no.such.model doesn't exist")
                    for front in OBJECT_SERVICE_FRONTS}),
    Trigger("unknown-method", ATTRIBUTE_ERROR, "manager", "res.partner", "no_such_method",
            ([],), {}, "The method 'no_such_method' does not exist on the model 'res.partner'"),
    Trigger("unexpected-kwarg", TYPE_ERROR, "manager", "res.partner", "search_read", (),
            {"domain": [], "fields": ["name"], "limit": 1, "bogus_kwarg": 1},
            "got an unexpected keyword argument 'bogus_kwarg'"),
    Trigger("unknown-domain-field", VALUE_ERROR, "manager", "res.partner", "search_read",
            ([["no_such_field", "=", "x"]],), {"fields": ["name"], "limit": 1},
            "Invalid field res.partner.no_such_field in leaf"),
    Trigger("unknown-read-field", VALUE_ERROR, "manager", "res.partner", "read",
            ([1], ["no_such_field"]), {}, "Invalid field 'no_such_field' on model 'res.partner'"),
]


@pytest.fixture
def fronts(client: Any, orm: Any) -> Fronts:
    return Fronts(client, orm)


async def _partner_count(orm: Any) -> int:
    return await orm.run(lambda env: env["res.partner"].search_count([]))


# -- every kind, every front ------------------------------------------------------

@pytest.mark.parametrize("front", FRONTS)
async def test_every_kind_through_every_front(fronts: Fronts, orm: Any, front: str) -> None:
    before = await _partner_count(orm)
    for trigger in TRIGGERS:
        try:
            visible = assert_ok(await fronts.call(front, trigger.login, "res.partner",
                                                  "search_count", ([],)))
            answer = await fronts.call(front, trigger.login, trigger.model, trigger.method,
                                       trigger.args, trigger.kwargs)
            assert_error(answer, *trigger.expected(front), debug=True)
            # a failed call changes nothing, and the next call on the same front works
            assert await _partner_count(orm) == before
            assert assert_ok(await fronts.call(front, trigger.login, "res.partner",
                                               "search_count", ([],))) == visible
        except AssertionError as exc:
            exc.add_note(f"trigger: {trigger.id} ({trigger.name}) on {front}")
            raise


@pytest.mark.parametrize("front", FRONTS)
async def test_access_denied_on_every_front(fronts: Fronts, client: Any, front: str) -> None:
    """Bad credentials: the one message that leaks nothing, in each front's shape."""
    if front == "call_kw":
        body = await rpc(client, "/web/session/authenticate",
                         {"db": "gateway", "login": "manager", "password": "bad-password"})
        answer = web_answer(body)
    elif front == "json2":
        answer = await fronts.call(front, "manager", "res.partner", "search_count", ([],),
                                   password="0" * 40)
    else:
        answer = await fronts.call(front, "manager", "res.partner", "search_count", ([],),
                                   password="bad-password")
    assert assert_error(answer, ACCESS_DENIED, "Access Denied", debug=True).strip() \
        == "Access Denied"


@pytest.mark.parametrize("front", ["jsonrpc", "xmlrpc2", "xmlrpc", "json2"])
async def test_deactivated_user_is_access_denied(fronts: Fronts, orm: Any, front: str) -> None:
    await fronts.api_key("waiter")
    uid = await fronts.uid("waiter")
    assert_ok(await fronts.call(front, "waiter", "pos.order", "search_count", ([],)))
    await orm.run(lambda env: env["res.users"].write([uid], {"active": False}))
    answer = await fronts.call(front, "waiter", "pos.order", "search_count", ([],))
    assert_error(answer, ACCESS_DENIED, "Access Denied")


async def test_json2_without_or_with_a_malformed_authorization_is_401(fronts: Fronts) -> None:
    for headers in ({}, {"Authorization": "Basic bWFuYWdlcjptYW5hZ2Vy"},
                    {"Authorization": "bearer"}, {"Authorization": "bearer " + "x" * 5000}):
        answer = await fronts.post_json2("res.partner", "search_count", {}, key=None,
                                         headers=headers)
        assert_error(answer, ACCESS_DENIED, "Access Denied")


@pytest.mark.parametrize("path,params", [
    ("/web/dataset/call_kw/res.partner/search_read",
     {"model": "res.partner", "method": "search_read", "args": [[]], "kwargs": {"limit": 1}}),
    ("/web/dataset/call_kw", {"model": "res.partner", "method": "search_count", "args": [[]],
                              "kwargs": {}}),
    ("/web/dataset/call_button/res.partner/search_count",
     {"model": "res.partner", "method": "search_count", "args": [[]], "kwargs": {}}),
    ("/web/dataset/search_read", {"model": "res.partner", "fields": ["name"]}),
    ("/web/session/get_session_info", {}),
    ("/web/session/check", {}),
    ("/web/session/modules", {}),
    ("/web/session/destroy", {}),
])
async def test_session_expired_on_every_session_route(client: Any, path: str,
                                                      params: dict[str, Any]) -> None:
    body = await rpc(client, path, params)
    message = assert_error(web_answer(body), SESSION_EXPIRED,
                           "Session expired", debug=True)
    assert message == "Session expired" and body["error"]["data"]["arguments"] == [message]


async def test_session_expired_after_destroy_and_after_deactivation(fronts: Fronts, client: Any,
                                                                    orm: Any) -> None:
    await fronts.web_session("waiter")
    assert_ok(await fronts.call("call_kw", "waiter", "pos.order", "search_count", ([],)))
    await rpc(client, "/web/session/destroy")
    assert_error(await fronts.call("call_kw", "waiter", "pos.order", "search_count", ([],)),
                 SESSION_EXPIRED, "Session expired")
    fronts.forget_web_session()
    await fronts.web_session("waiter")
    uid = await fronts.uid("waiter")
    await orm.run(lambda env: env["res.users"].write([uid], {"active": False}))
    assert_error(await fronts.call("call_kw", "waiter", "pos.order", "search_count", ([],)),
                 SESSION_EXPIRED, "Session expired")


# -- the services behind /jsonrpc and XML-RPC ----------------------------------------

SERVICE_ERRORS = [
    ("common", "no_such_method", [], "builtins.Exception", "Method not found: no_such_method"),
    ("db", "no_such_method", [], KEY_ERROR, "Method not found: no_such_method"),
    ("object", "no_such_method", ["gateway", 2, "admin"], "builtins.NameError",
     "Method not available no_such_method"),
    ("object", "execute_kw", ["gateway", 2], TYPE_ERROR, "missing required arguments"),
    ("db", "drop", ["wrong-master-password", "gateway"], ACCESS_DENIED, "Access Denied"),
    ("db", "drop", ["admin", "gateway"], USER_ERROR, "Database management (drop) is not available"),
    ("object", "execute_kw", ["no_such_db", 2, "admin", "res.partner", "search_count", [[]]],
     ACCESS_ERROR, "Database not found."),
]


@pytest.mark.parametrize("front", ["jsonrpc", "xmlrpc2", "xmlrpc"])
async def test_service_errors(fronts: Fronts, front: str) -> None:
    for service, method, args, name, message in SERVICE_ERRORS:
        try:
            answer = await fronts.service(front, service, method, args)
            assert_error(answer, name, message, debug=True)
            assert assert_ok(await fronts.service(front, "common", "version", []))
        except AssertionError as exc:
            exc.add_note(f"{service}.{method} on {front}")
            raise


async def test_unknown_service_is_an_error_in_the_callers_protocol(fronts: Fronts) -> None:
    for front in ("jsonrpc", "xmlrpc2", "xmlrpc"):
        assert_error(await fronts.service(front, "no_such_service", "version", []), KEY_ERROR,
                     "no_such_service")


@pytest.mark.parametrize("params,name,message", [
    ({"login": "admin", "password": "admin"}, TYPE_ERROR,
     "authenticate() missing 1 required positional argument: 'db'"),
    ({"db": "gateway", "login": "admin"}, TYPE_ERROR,
     "authenticate() missing 1 required positional argument: 'password'"),
    ({"db": "no_such_db", "login": "admin", "password": "admin"}, ACCESS_ERROR,
     "Database not found."),
    ({"db": "gateway", "login": "admin", "password": ""}, ACCESS_DENIED, "Access Denied"),
    ({"db": "gateway", "login": ["admin"], "password": "admin"}, ACCESS_DENIED, "Access Denied"),
])
async def test_authenticate_errors(client: Any, params: dict[str, Any], name: str,
                                   message: str) -> None:
    body = await rpc(client, "/web/session/authenticate", params)
    assert_error(web_answer(body), name, message, debug=True)
    assert "session_id" not in {c.key for c in client.session.cookie_jar}


# -- XML-RPC specifics ---------------------------------------------------------------

@pytest.mark.parametrize("front", ["xmlrpc2", "xmlrpc"])
async def test_xmlrpc_cannot_marshal_none(fronts: Fronts, front: str) -> None:
    """A result holding None is a fault (Odoo's allow_none=False), code 1 / str(e)."""
    kwargs = {"context": {"default_name": None}}
    answer = await fronts.call(front, "manager", "res.partner", "default_get", (["name"],),
                               kwargs)
    shown = assert_error(answer, TYPE_ERROR, "cannot marshal None", debug=True)
    if front == "xmlrpc":
        assert answer.body.faultCode == "cannot marshal None unless allow_none is enabled"
    else:
        assert "cannot marshal None" in shown
    # JSON fronts carry the null as it is
    assert assert_ok(await fronts.call("jsonrpc", "manager", "res.partner", "default_get",
                                       (["name"],), kwargs)) == {"name": None}


async def test_xmlrpc_client_library_sees_the_faults(live_server: Any) -> None:
    """What xmlrpc.client users get: Fault objects with Odoo's codes, on both endpoints."""
    import xmlrpc.client

    def proxy(path: str) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"{live_server.url}{path}")

    with proxy("/xmlrpc/2/common") as common:
        uid = common.login(live_server.db_name, "waiter", "waiter")
    assert isinstance(uid, int) and uid
    cases = [
        (("res.users", "create", [{"name": "x", "login": "x"}]), 4,
         "warning -- AccessError\n\nYou are not allowed to create 'User' (res.users) records."),
        (("res.partner", "write", [[999999], {"name": "x"}]), 2,
         "warning -- MissingError\n\nRecord does not exist or has been deleted."),
        (("pos.order", "search", [[]], {"order": "id;"}), 2,
         'warning -- UserError\n\nInvalid "order" specified (id;)'),
        (("res.partner", "_foo", [[]]), 4,
         "warning -- AccessError\n\nPrivate methods (such as _foo) cannot be called remotely."),
        (("no.such.model", "search", [[]]), 2,
         "warning -- UserError\n\nObject no.such.model doesn't exist"),
    ]
    with proxy("/xmlrpc/2/object") as models, proxy("/xmlrpc/object") as legacy:
        for call, code, legacy_code in cases:
            with pytest.raises(xmlrpc.client.Fault) as caught:
                models.execute_kw(live_server.db_name, uid, "waiter", *call)
            assert caught.value.faultCode == code, (call, caught.value)
            with pytest.raises(xmlrpc.client.Fault) as caught:
                legacy.execute_kw(live_server.db_name, uid, "waiter", *call)
            assert caught.value.faultCode.startswith(legacy_code), (call, caught.value)
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(live_server.db_name, uid, "wrong", "res.partner", "search", [[]])
        assert caught.value.faultCode == 3 and caught.value.faultString == "Access Denied"
        with pytest.raises(xmlrpc.client.Fault) as caught:
            legacy.execute_kw(live_server.db_name, uid, "wrong", "res.partner", "search", [[]])
        assert caught.value.faultCode == "AccessDenied"
        assert caught.value.faultString == "Access Denied"
        # and the connection still serves normal calls
        assert models.execute_kw(live_server.db_name, uid, "waiter", "pos.order",
                                 "search_count", [[]]) > 0


# -- JSON-2 specifics --------------------------------------------------------------------

async def test_json2_statuses(fronts: Fronts) -> None:
    key = await fronts.api_key("manager")
    waiter_key = await fronts.api_key("waiter")
    cases = [
        # 415: not JSON
        (dict(model="res.partner", method="search_count", body=None, key=key,
              data=b"domain=[]", content_type="application/x-www-form-urlencoded"),
         415, TYPE_ERROR),
        # 400: not JSON / not an object / wrong argument types
        (dict(model="res.partner", method="search_count", body=None, key=key, data=b"{nope"),
         400, VALUE_ERROR),
        (dict(model="res.partner", method="search_count", body=[[]], key=key), 400, TYPE_ERROR),
        (dict(model="res.partner", method="search_count", body={"nope": 1}, key=key), 400,
         TYPE_ERROR),
        # 401: credentials
        (dict(model="res.partner", method="search_count", body={}, key="f" * 40), 401,
         ACCESS_DENIED),
        # 403: rights
        (dict(model="res.users", method="create", body={"vals_list": {"login": "x"}},
              key=waiter_key), 403, ACCESS_ERROR),
        (dict(model="res.partner", method="_foo", body={}, key=key), 403, ACCESS_ERROR),
        # 404: unknown model, method, record
        (dict(model="no.such.model", method="search", body={}, key=key), 404, KEY_ERROR),
        (dict(model="res.partner", method="no_such_method", body={}, key=key), 404,
         ATTRIBUTE_ERROR),
        (dict(model="res.partner", method="write", body={"ids": [999999], "vals": {"name": "x"}},
              key=key), 404, MISSING_ERROR),
        # 422: invalid values
        (dict(model="product.product", method="create", body={"vals_list": {"list_price": 1}},
              key=key), 422, VALIDATION_ERROR),
        (dict(model="res.partner", method="search", body={"domain": [["nope", "=", 1]]},
              key=key), 422, VALUE_ERROR),
        (dict(model="res.partner", method="search", body={"order": "name;"}, key=key), 422,
         USER_ERROR),
    ]
    for request, status, name in cases:
        answer = await fronts.post_json2(**request)
        assert answer.status == status, (request, answer)
        assert answer.body["name"] == name, (request, answer)
        assert set(answer.body) >= {"name", "message", "arguments", "context", "debug"}
    assert assert_ok(await fronts.post_json2("res.partner", "search_count", {"domain": []},
                                             key=key)) > 0


async def test_json2_answers_bare_results(fronts: Fronts) -> None:
    key = await fronts.api_key("manager")
    ids = assert_ok(await fronts.post_json2("res.partner", "search", {"domain": [], "limit": 2},
                                            key=key))
    assert isinstance(ids, list) and len(ids) == 2
    records = assert_ok(await fronts.post_json2("res.partner", "read",
                                                {"ids": ids, "fields": ["name"]}, key=key))
    assert [r["id"] for r in records] == ids


# -- Odoo's recorded answers ---------------------------------------------------------

def _golden(name: str) -> dict[str, Any]:
    with open(os.path.join(GOLDEN, f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


#: (recording, login, how the message compares: exact, or the part that must appear)
GOLDEN_ERRORS = [
    ("error_private_method", "admin", "exact"),
    ("error_unknown_method", "admin", "exact"),
    ("error_unknown_model", "admin", "exact"),
    ("error_read_unknown_field", "admin", "exact"),
    ("error_missing_record_write", "admin", "exact"),
    ("error_invalid_domain_field", "admin", "exact"),
    ("error_invalid_domain_operator", "admin", "exact"),
    ("error_unexpected_kwarg", "admin", "got an unexpected keyword argument 'bogus_kwarg'"),
    ("error_access_rights_demo_user", "waiter",
     "You are not allowed to create 'User' (res.users) records.\n\nThis operation is allowed "
     "for the following groups:\n\t- Administration/Access Rights"),
    ("error_create_missing_required_field", "manager",
     "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
     "- Delete: another model requires the record being deleted. If possible, archive it "
     "instead.\n\nModel: "),
    ("error_call_kw_without_session", None, "exact"),
]


@pytest.mark.parametrize("name,user,compare", GOLDEN_ERRORS, ids=[g[0] for g in GOLDEN_ERRORS])
async def test_golden_errors_replayed(client: Any, name: str, user: str | None,
                                      compare: str) -> None:
    recording = _golden(name)
    request, expected = recording["request"], recording["response"]["body"]
    if user:
        await login(client, user)
    response = await client.post(request["path"], json=request["body"])
    assert response.status == recording["response"]["status"] == 200
    body = await response.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == expected["id"]
    assert set(body) == set(expected)
    error, golden = body["error"], expected["error"]
    assert (error["code"], error["message"]) == (golden["code"], golden["message"])
    data, gdata = error["data"], golden["data"]
    assert set(data) == set(gdata) and data["name"] == gdata["name"]
    assert data["context"] == gdata["context"] == {}
    if compare == "exact":
        assert data["message"] == gdata["message"]
        assert data["arguments"] == gdata["arguments"]
    else:
        assert compare in data["message"] and compare in gdata["message"]
        assert data["arguments"] == [data["message"]]
    assert data["debug"].startswith("Traceback (most recent call last):\n")


async def test_golden_missing_record_read_is_empty(client: Any) -> None:
    recording = _golden("error_missing_record_read")
    await login(client, "admin")
    response = await client.post(recording["request"]["path"], json=recording["request"]["body"])
    assert await response.json() == recording["response"]["body"]


async def test_golden_malformed_json(client: Any) -> None:
    recording = _golden("error_malformed_json")
    await login(client, "admin")
    response = await client.post(recording["request"]["path"],
                                 data=recording["request"]["body"]["<raw body>"],
                                 headers={"Content-Type": "application/json"})
    assert response.status == recording["response"]["status"] == 400
    assert response.content_type == "text/html"
    assert await response.text() == recording["response"]["body"]["<non-json body>"]


async def test_golden_wrong_password_on_jsonrpc(client: Any) -> None:
    recording = _golden("jsonrpc_object_wrong_password")
    body = dict(recording["request"]["body"])
    body["params"] = dict(body["params"], args=["gateway", *body["params"]["args"][1:]])
    response = await client.post("/jsonrpc", json=body)
    got, expected = await response.json(), recording["response"]["body"]
    assert got["id"] == expected["id"]
    for key in ("code", "message"):
        assert got["error"][key] == expected["error"][key]
    for key in ("name", "message", "arguments", "context"):
        assert got["error"]["data"][key] == expected["error"]["data"][key]


async def test_golden_unlink_deleted_record(client: Any, fronts: Fronts) -> None:
    new_id = assert_ok(await fronts.call("call_kw", "admin", "res.partner", "create",
                                         ({"name": "gone"},)))
    assert assert_ok(await fronts.call("call_kw", "admin", "res.partner", "unlink",
                                       ([new_id],))) is True
    answer = await fronts.call("call_kw", "admin", "res.partner", "unlink", ([new_id],))
    expected = _golden("error_unlink_deleted_record")["response"]["body"]["error"]["data"]
    message = assert_error(answer, MISSING_ERROR, debug=True)
    assert message == expected["message"].replace("(43,)", f"({new_id},)")


# -- production: no tracebacks anywhere ------------------------------------------------

@pytest.fixture
async def production_fronts(aiohttp_client: Any, db: Any, orm: Any) -> Fronts:
    app = create_app(db.config.replace(debug_tracebacks=False))
    return Fronts(await aiohttp_client(app), orm)


@pytest.mark.parametrize("front", FRONTS)
async def test_production_answers_carry_no_debug(production_fronts: Fronts, front: str) -> None:
    for trigger in TRIGGERS:
        answer = await production_fronts.call(front, trigger.login, trigger.model,
                                              trigger.method, trigger.args, trigger.kwargs)
        assert_error(answer, *trigger.expected(front), debug=False)
        assert "Traceback" not in answer.text and 'File "' not in answer.text, answer.text
    if front != "call_kw":      # bad credentials too (call_kw: see the session test below)
        answer = await production_fronts.call(front, "waiter", "pos.order", "search_count",
                                              ([],), password="0" * 40)
        assert_error(answer, ACCESS_DENIED, "Access Denied", debug=False)


async def test_production_session_expired_carries_no_debug(production_fronts: Fronts) -> None:
    body = await rpc(production_fronts.client, "/web/dataset/call_kw/res.partner/search_count",
                     {"model": "res.partner", "method": "search_count", "args": [[]],
                      "kwargs": {}})
    assert_error(web_answer(body), SESSION_EXPIRED, debug=False)


async def test_request_id_is_echoed_on_errors(client: Any) -> None:
    await login(client, "manager")
    for request_id in (7, "abc", None, 2**53):
        payload = envelope({"model": "res.partner", "method": "_foo", "args": [[]],
                            "kwargs": {}}, request_id)
        if request_id is None:
            payload["id"] = None
        response = await client.post("/web/dataset/call_kw", json=payload)
        body = await response.json()
        assert body["id"] == request_id and body["error"]["data"]["name"] == ACCESS_ERROR
