"""A small synchronous HTTP client: log in, and fetch the answers the runs must match.

Plain ``http.client`` on purpose: it is only used between runs (never under
load), and it shows exactly which bytes a server answered.
"""
from __future__ import annotations

import http.client
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import orjson


class ClientError(RuntimeError):
    """A server answered something the bench cannot work with."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    def json(self) -> object:
        return orjson.loads(self.body)


def post(base_url: str, path: str, body: bytes, cookie: str = "", timeout: float = 30) -> Answer:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        cookies: dict[str, str] = {}
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            cookies.update({name: morsel.value for name, morsel in jar.items()})
        return Answer(response.status, dict(response.headers), cookies, data)
    finally:
        conn.close()


def login(base_url: str, db: str, login_name: str = "admin", password: str = "admin") -> str:
    """Authenticate through ``/web/session/authenticate``; answer the Cookie header value."""
    body = orjson.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "db": db, "login": login_name, "password": password}})
    answer = post(base_url, "/web/session/authenticate", body)
    payload = answer.json()
    if answer.status != 200 or not isinstance(payload, dict) or "result" not in payload:
        raise ClientError(f"login as {login_name} failed: {answer.status} {answer.body[:300]!r}")
    sid = answer.cookies.get("session_id")
    if not sid:
        raise ClientError("login answered no session_id cookie")
    return f"session_id={sid}"
