"""Every RPC front behind one call, and the one error contract they all honour.

A test says *what* to call (user, model, method, args, kwargs); :class:`Fronts`
sends it through the front it names, over the real socket of the aiohttp test
client:

* ``call_kw``: ``/web/dataset/call_kw`` with a web session (JSON-RPC);
* ``jsonrpc``: ``/jsonrpc`` ``object.execute_kw`` with uid and password;
* ``xmlrpc2``: ``/xmlrpc/2/object`` ``execute_kw`` (integer fault codes);
* ``xmlrpc``: the legacy ``/xmlrpc/object`` (string fault codes);
* ``json2``: ``POST /json/2/<model>/<method>`` with a bearer API key.

:func:`assert_error` is the contract: what Odoo's clients expect of a failure
of a given Odoo exception class on each front (``docs``: odoo-protocol §1.3,
§4.3; odoo/odoo#219446 for JSON-2). The tables here are written from Odoo's
behaviour, not read from the gateway's own mapping, so they check it.
"""
from __future__ import annotations

import inspect
import json
import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any

import orjson

from tests.support import assert_odoo_error, envelope, login as web_login

DB = "gateway"

USER_ERROR = "odoo.exceptions.UserError"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"
ACCESS_ERROR = "odoo.exceptions.AccessError"
MISSING_ERROR = "odoo.exceptions.MissingError"
ACCESS_DENIED = "odoo.exceptions.AccessDenied"
SESSION_EXPIRED = "odoo.http.SessionExpiredException"
VALUE_ERROR = "builtins.ValueError"
TYPE_ERROR = "builtins.TypeError"
KEY_ERROR = "builtins.KeyError"
ATTRIBUTE_ERROR = "builtins.AttributeError"

FRONTS = ("call_kw", "jsonrpc", "xmlrpc2", "xmlrpc", "json2")
JSON_FRONTS = ("call_kw", "jsonrpc")

#: ``/xmlrpc/2``: ``xmlrpc_handle_exception_int`` (anything else: 1).
XMLRPC_INT_CODE = {ACCESS_ERROR: 4, ACCESS_DENIED: 3, USER_ERROR: 2, VALIDATION_ERROR: 2,
                   MISSING_ERROR: 2}
#: Legacy ``/xmlrpc``: ``xmlrpc_handle_exception_string`` prefixes (AccessDenied and
#: anything else are special cases, see :func:`assert_error`).
XMLRPC_STRING_PREFIX = {MISSING_ERROR: "warning -- MissingError\n\n",
                        ACCESS_ERROR: "warning -- AccessError\n\n",
                        USER_ERROR: "warning -- UserError\n\n",
                        VALIDATION_ERROR: "warning -- UserError\n\n"}
#: JSON-2 statuses (odoo/odoo#219446).
JSON2_STATUS = {ACCESS_DENIED: 401, SESSION_EXPIRED: 401, ACCESS_ERROR: 403, MISSING_ERROR: 404,
                KEY_ERROR: 404, ATTRIBUTE_ERROR: 404, VALIDATION_ERROR: 422, USER_ERROR: 422,
                VALUE_ERROR: 422, TYPE_ERROR: 400}


@dataclass
class Answer:
    """What one front answered: a result, or the failure in that front's own terms."""

    front: str
    ok: bool
    result: Any = None
    body: Any = None            # JSON-RPC body, JSON-2 body, or the xmlrpc Fault
    status: int = 200
    content_type: str = ""
    text: str = ""

    def __repr__(self) -> str:
        return f"Answer({self.front}, ok={self.ok}, status={self.status}, body={self.body!r})"


@dataclass
class Fronts:
    """Send the same call through any front, as any demo user."""

    client: Any
    orm: Any
    _uids: dict[str, int] = field(default_factory=dict)
    _keys: dict[str, str] = field(default_factory=dict)
    _web_login: str | None = None

    async def uid(self, login: str) -> int:
        if login not in self._uids:
            async def find(env: Any) -> int:
                ids = await env["res.users"].search([("login", "=", login)])
                assert ids, f"no user {login!r}"
                return ids[0]
            self._uids[login] = await self.orm.run(find)
        return self._uids[login]

    async def api_key(self, login: str) -> str:
        if login not in self._keys:
            uid = await self.uid(login)
            self._keys[login] = await self.orm.run(
                lambda env: env["res.users.apikeys"]._generate(uid, "test"))
        return self._keys[login]

    async def web_session(self, login: str) -> None:
        if self._web_login != login:
            await web_login(self.client, login)
            self._web_login = login

    def forget_web_session(self) -> None:
        self.client.session.cookie_jar.clear()
        self._web_login = None

    # -- one call, any front -------------------------------------------------
    async def call(self, front: str, login: str, model: Any, method: Any, args: Any = (),
                   kwargs: Any = None, *, password: str | None = None,
                   headers: dict[str, str] | None = None) -> Answer:
        args = list(args) if isinstance(args, (list, tuple)) else args
        kwargs = {} if kwargs is None else kwargs
        if front == "call_kw":
            await self.web_session(login)
            return await self.post_json("call_kw", f"/web/dataset/call_kw/{model}/{method}",
                                        {"model": model, "method": method, "args": args,
                                         "kwargs": kwargs}, headers=headers)
        if front in ("jsonrpc", "xmlrpc2", "xmlrpc"):
            uid = await self.uid(login)
            params = [DB, uid, password if password is not None else login, model, method,
                      args, kwargs]
            if front == "jsonrpc":
                return await self.post_json("jsonrpc", "/jsonrpc", {
                    "service": "object", "method": "execute_kw", "args": params},
                    headers=headers)
            path = "/xmlrpc/2/object" if front == "xmlrpc2" else "/xmlrpc/object"
            body = xmlrpc.client.dumps(tuple(params), "execute_kw", allow_none=True)
            return await self.post_xml(front, path, body.encode(), headers=headers)
        if front == "json2":
            key = password if password is not None else await self.api_key(login)
            return await self.post_json2(model, method, self.json2_body(model, method, args,
                                                                         kwargs),
                                         key=key, headers=headers)
        raise ValueError(f"unknown front {front!r}")

    def json2_body(self, model: Any, method: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        """Positional arguments -> the named arguments JSON-2 takes (by the method's signature)."""
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            return kwargs
        names: list[str] = []
        try:
            cls = self.orm.registry[model]
            public = cls._public[method]
            names = list(inspect.signature(getattr(cls, public.attr)).parameters)[1:]
        except (KeyError, TypeError):
            names = ["ids"]           # the JSON-2 convention for record methods
        assert len(args) <= len(names), (model, method, args)
        return {**dict(zip(names, args)), **kwargs}

    async def service(self, front: str, service: str, method: str, args: list[Any]) -> Answer:
        """A call of the ``common``/``db``/``object`` services (``/jsonrpc`` or XML-RPC)."""
        if front == "jsonrpc":
            return await self.post_json("jsonrpc", "/jsonrpc", {
                "service": service, "method": method, "args": args})
        path = f"/xmlrpc/2/{service}" if front == "xmlrpc2" else f"/xmlrpc/{service}"
        body = xmlrpc.client.dumps(tuple(args), method, allow_none=True)
        return await self.post_xml(front, path, body.encode())

    # -- transports --------------------------------------------------------------
    async def post_json(self, front: str, path: str, params: Any, *,
                        headers: dict[str, str] | None = None, request_id: Any = None) -> Answer:
        response = await self.client.post(path, json=envelope(params, request_id),
                                          headers=headers)
        text = await response.text()
        assert response.status == 200, (path, response.status, text[:500])
        body = await response.json()
        return Answer(front, "error" not in body, body.get("result"), body, response.status,
                      response.content_type, text)

    async def post_xml(self, front: str, path: str, data: bytes, *,
                       headers: dict[str, str] | None = None) -> Answer:
        response = await self.client.post(path, data=data,
                                          headers={"Content-Type": "text/xml", **(headers or {})})
        text = await response.text()
        assert response.status == 200, (path, response.status, text[:500])
        assert response.content_type == "text/xml", response.content_type
        try:
            (result,), _ = xmlrpc.client.loads(text, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            return Answer(front, False, None, fault, response.status, response.content_type, text)
        return Answer(front, True, result, None, response.status, response.content_type, text)

    async def post_json2(self, model: Any, method: Any, body: Any, *, key: str | None,
                         headers: dict[str, str] | None = None, data: bytes | None = None,
                         content_type: str = "application/json") -> Answer:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if key is not None:
            all_headers["Authorization"] = f"bearer {key}"
        payload = data if data is not None else json.dumps(body).encode()   # any int size
        response = await self.client.post(f"/json/2/{model}/{method}", data=payload,
                                          headers=all_headers)
        text = await response.text()
        assert response.content_type == "application/json", (response.status, text[:500])
        decoded = orjson.loads(text)
        ok = response.status == 200
        return Answer("json2", ok, decoded if ok else None, decoded, response.status,
                      response.content_type, text)


def web_answer(body: dict[str, Any]) -> Answer:
    """The decoded body of any JSON-RPC route (``tests.support.rpc``) as an answer."""
    return Answer("call_kw", "error" not in body, body.get("result"), body)


# -- the contract ------------------------------------------------------------------

def assert_error(answer: Answer, name: str, message: str | None = None, *,
                 debug: bool | None = None) -> str:
    """The failure ``answer`` reports is Odoo exception ``name``, in its front's shape.

    ``message`` must appear in the message the client shows; ``debug`` True
    requires a traceback where Odoo sends one, False requires none anywhere.
    Answers the message as the client sees it.
    """
    assert not answer.ok, f"expected {name}, got a result: {answer.result!r}"
    assert answer.status < 500
    front = answer.front
    if front in JSON_FRONTS:
        code = 100 if name == SESSION_EXPIRED else 200
        data = assert_odoo_error(answer.body, name, code=code, message=message)
        assert isinstance(data["debug"], str) and isinstance(data["context"], dict)
        assert data["arguments"][0] == data["message"] or name.startswith("builtins.")
        if code == 100:
            assert answer.body["id"] is None      # Odoo loses the request id (golden)
        if debug is True:
            assert "Traceback (most recent call last)" in data["debug"], data["debug"]
        elif debug is False:
            assert data["debug"] == "", data["debug"]
        return data["message"]
    if front == "xmlrpc2":
        fault = answer.body
        assert isinstance(fault, xmlrpc.client.Fault), answer
        assert fault.faultCode == XMLRPC_INT_CODE.get(name, 1), (name, fault)
        if message is not None:
            assert message in fault.faultString, (message, fault.faultString)
        if fault.faultCode == 1:
            if debug is True:
                assert "Traceback (most recent call last)" in fault.faultString
        if debug is False:
            assert "Traceback" not in fault.faultString and 'File "' not in fault.faultString
        return fault.faultString
    if front == "xmlrpc":
        fault = answer.body
        assert isinstance(fault, xmlrpc.client.Fault), answer
        code = fault.faultCode
        assert isinstance(code, str), fault
        if name == ACCESS_DENIED:
            assert code == "AccessDenied", fault
            shown = fault.faultString
        elif name in XMLRPC_STRING_PREFIX:
            prefix = XMLRPC_STRING_PREFIX[name]
            assert code.startswith(prefix), (name, code)
            assert fault.faultString == "", fault.faultString
            shown = code[len(prefix):]
        else:   # str(exception) as the code, the traceback as the string
            assert not code.startswith("warning -- ") and code != "AccessDenied", code
            shown = code
            if debug is True:
                assert "Traceback (most recent call last)" in fault.faultString
        if message is not None:
            assert message in shown, (message, shown)
        if debug is False:
            assert "Traceback" not in code + fault.faultString
        return shown
    if front == "json2":
        assert answer.status == JSON2_STATUS[name], (name, answer.status, answer.body)
        body = answer.body
        assert isinstance(body, dict) and body["name"] == name, body
        assert set(body) >= {"name", "message", "arguments", "context", "debug"}, body
        assert isinstance(body["arguments"], list) and body["arguments"], body
        if message is not None:
            assert message in body["message"], (message, body["message"])
        if debug is True:
            assert "Traceback (most recent call last)" in body["debug"], body["debug"]
        elif debug is False:
            assert body["debug"] == "", body["debug"]
        return body["message"]
    raise AssertionError(f"unknown front {front!r}")


def assert_ok(answer: Answer) -> Any:
    assert answer.ok, answer
    return answer.result
