"""A small synchronous HTTP client: log in (Odoo session, REST token), fetch the answers
the runs must match.

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


def send(base_url: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=sent)
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


def post(base_url: str, path: str, body: bytes, cookie: str = "", timeout: float = 30) -> Answer:
    return send(base_url, "POST", path, body, {"Cookie": cookie} if cookie else None, timeout)


def api_login(base_url: str, login_name: str, password: str) -> str:
    """Log in through ``POST /api/v1/auth/login``; answer the Authorization header value."""
    answer = send(base_url, "POST", "/api/v1/auth/login",
                  orjson.dumps({"username": login_name, "password": password}))
    payload = answer.json()
    token = (payload.get("data") or {}).get("access_token") if isinstance(payload, dict) else None
    if answer.status != 200 or not isinstance(token, str):
        raise ClientError(f"REST login as {login_name} failed: {answer.status} "
                          f"{answer.body[:300]!r}")
    return f"Bearer {token}"


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
