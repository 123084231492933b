"""Small helpers shared by the tests: JSON-RPC calls and Odoo error assertions."""
from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)


def envelope(params: dict[str, Any], request_id: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": "call", "params": params,
            "id": next(_ids) if request_id is None else request_id}


async def rpc(client: Any, path: str, params: dict[str, Any] | None = None,
              **kwargs: Any) -> dict[str, Any]:
    """POST a JSON-RPC call with the aiohttp test client; answer the decoded body."""
    response = await client.post(path, json=envelope(params or {}), **kwargs)
    assert response.status == 200, await response.text()
    return await response.json()


async def login(client: Any, login: str = "admin", password: str | None = None,
                db: str = "gateway") -> dict[str, Any]:
    body = await rpc(client, "/web/session/authenticate",
                     {"db": db, "login": login, "password": password or login})
    assert "result" in body, body
    return body["result"]


async def call_kw(client: Any, model: str, method: str, args: list[Any] | None = None,
                  kwargs: dict[str, Any] | None = None, **request: Any) -> dict[str, Any]:
    return await rpc(client, f"/web/dataset/call_kw/{model}/{method}",
                     {"model": model, "method": method, "args": args or [],
                      "kwargs": kwargs or {}}, **request)


def result(body: dict[str, Any]) -> Any:
    assert "error" not in body, body.get("error")
    return body.get("result")


def assert_odoo_error(body: dict[str, Any], name: str, code: int = 200,
                      message: str | None = None) -> dict[str, Any]:
    """The error object Odoo sends: code, message, and data with name/message/arguments."""
    assert "result" not in body, body
    error = body["error"]
    assert error["code"] == code, error
    assert error["message"] == {200: "Odoo Server Error", 100: "Odoo Session Expired",
                                404: "404: Not Found"}[code]
    data = error["data"]
    assert data["name"] == name, data
    assert set(data) >= {"name", "debug", "message", "arguments", "context"}, data
    assert isinstance(data["arguments"], list) and data["arguments"]
    if message is not None:
        assert message in data["message"], data["message"]
    return data
