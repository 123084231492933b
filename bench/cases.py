"""What is requested, from whom, and what must come back.

Four requests. Through the Odoo face: the POS's product load
(``search_read`` of 80 products, five fields, a domain, an order, the
restaurant in the context) and the cheapest call a client makes
(``version_info``), with ``admin``'s session cookie. Through the REST API
(``/api/v1``), as the waiter's phone with a Bearer access token: the whole
menu (``GET /products/mobile``) and a new order (``POST /orders``: three
lines on a table, sent to the kitchen as a draft; every request carries its
own ``uuid``, the idempotency key, so each one creates an order).

Each is sent to the gateway and to its references. A run is only measured
after its server answered the expected answer: byte for byte for the
ceiling; equal once decoded for the hand-written-SQL floor (same values,
independently encoded); for the gateway, byte for byte on the Odoo face, and
on the REST face equal once decoded without the envelope's ``timestamp``
(the menu) or an order of the same shape and total (a new order has its own
id, name, uuid and date).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

SEARCH_READ = "search_read"
VERSION_INFO = "version_info"
MOBILE_MENU = "GET /products/mobile"
CREATE_ORDER = "POST /orders"

GATEWAY = "gateway"
CEILING = "ceiling"
FLOOR = "db floor"

COOKIE = "cookie"       # admin's Odoo session
BEARER = "bearer"       # the waiter's REST access token

#: In an order body template: replaced per request (see post.lua).
UUID_MARK = "@@UUID@@"
TABLE_MARK = "@@TABLE@@"


@dataclass(frozen=True)
class Request:
    name: str       # as the tables show it
    slug: str       # in file names
    method: str
    path: str
    auth: str       # COOKIE | BEARER
    status: int     # every answer's HTTP status
    #: Every answer is as long as the verified one (wrk checks the length); an order's is not.
    fixed_length: bool = True
    #: The body is a template: each request gets its own uuid and table (a new order).
    per_request_body: bool = False
    #: An answer slower than this (s) is a timeout. A new order is a write transaction: on
    #: SQLite they queue one after the other, so at 64 connections an answer waits for tens
    #: of others, and under wrk's 2 s default slow-but-right answers would be dropped
    #: from the count and the latencies instead of measured.
    timeout: float = 2.0


REQUESTS = {r.name: r for r in (
    Request(SEARCH_READ, "search_read", "POST",
            "/web/dataset/call_kw/product.product/search_read", COOKIE, 200),
    Request(VERSION_INFO, "version_info", "POST", "/web/webclient/version_info", COOKIE, 200),
    Request(MOBILE_MENU, "mobile_menu", "GET", "/api/v1/products/mobile", BEARER, 200),
    Request(CREATE_ORDER, "create_order", "POST", "/api/v1/orders", BEARER, 201,
            fixed_length=False, per_request_body=True, timeout=30.0),
)}
PATHS = {name: request.path for name, request in REQUESTS.items()}
FIELDS = ["name", "default_code", "barcode", "list_price", "categ_id"]
LIMIT = 80
#: The phone's order: (position in its menu, quantity) for each of the three lines.
ORDER_LINES = ((0, 2), (7, 1), (13, 3))
GUESTS = 2


def search_read_body(company_id: int) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "model": "product.product", "method": "search_read",
        "args": [[["available_in_pos", "=", True], ["list_price", ">", 1]]],
        "kwargs": {"fields": FIELDS, "limit": LIMIT, "order": "name",
                   "context": {"allowed_company_ids": [company_id]}}}})


def version_info_body() -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {}})


def order_template(menu: list[dict[str, Any]]) -> bytes:
    """The phone's order body, with the uuid and the table left as marks (see ``fill``)."""
    if len(menu) <= max(index for index, _qty in ORDER_LINES):
        raise WrongAnswer(f"the mobile menu has {len(menu)} products: too few for the order")
    body = orjson.dumps({
        "uuid": UUID_MARK, "table_id": TABLE_MARK, "guests": GUESTS,
        "lines": [{"product_id": menu[index]["id"], "qty": qty} for index, qty in ORDER_LINES]})
    return body.replace(f'"{TABLE_MARK}"'.encode(), TABLE_MARK.encode())


def fill(template: bytes, uuid: str, table_id: int) -> bytes:
    """One request's body from the template (what post.lua does per request)."""
    return template.replace(UUID_MARK.encode(), uuid.encode()).replace(
        TABLE_MARK.encode(), str(table_id).encode())


@dataclass(frozen=True)
class Case:
    request: str    # a key of REQUESTS
    server: str     # GATEWAY | CEILING | FLOOR

    @property
    def label(self) -> str:
        return f"{self.server} {self.request}"

    @property
    def spec(self) -> Request:
        return REQUESTS[self.request]

    @property
    def path(self) -> str:
        return self.spec.path


#: One round, in order; rotated by one per round so no case always runs first.
CASES = (
    Case(SEARCH_READ, GATEWAY), Case(SEARCH_READ, FLOOR), Case(SEARCH_READ, CEILING),
    Case(VERSION_INFO, GATEWAY), Case(VERSION_INFO, CEILING),
    Case(MOBILE_MENU, GATEWAY), Case(MOBILE_MENU, CEILING),
    Case(CREATE_ORDER, GATEWAY), Case(CREATE_ORDER, CEILING),
)


class WrongAnswer(AssertionError):
    """A server answered something else than the gateway's verified answer."""


def check_gateway_answer(request: str, payload: Any, expected_rows: int) -> None:
    """The gateway's own Odoo-face answer must be a success of the expected shape."""
    if not isinstance(payload, dict) or "result" not in payload:
        raise WrongAnswer(f"gateway answered an error for {request}: {str(payload)[:500]}")
    if request == SEARCH_READ:
        rows = payload["result"]
        if len(rows) != expected_rows:
            raise WrongAnswer(f"search_read answered {len(rows)} records, expected {expected_rows}")
        if any(list(row) != ["id"] + FIELDS for row in rows):
            raise WrongAnswer(f"search_read answered other fields: {list(rows[0])}")


def without_timestamp(body: bytes) -> Any:
    """A REST answer decoded, without the envelope's per-answer ``timestamp``."""
    payload = orjson.loads(body)
    if not isinstance(payload, dict) or "timestamp" not in payload:
        raise WrongAnswer(f"not a REST envelope: {body[:300]!r}")
    return {key: value for key, value in payload.items() if key != "timestamp"}


def check_menu(body: bytes) -> list[dict[str, Any]]:
    """The gateway's menu: a success listing products; answers them."""
    payload = without_timestamp(body)
    menu = payload.get("data")
    if payload.get("success") is not True or not isinstance(menu, list) or not menu:
        raise WrongAnswer(f"the mobile menu is not a non-empty success: {body[:300]!r}")
    if payload.get("meta") != {"count": len(menu)}:
        raise WrongAnswer(f"the mobile menu's meta does not count its products: "
                          f"{payload.get('meta')!r}")
    return menu


def check_order(body: bytes, sent: bytes) -> dict[str, Any]:
    """The gateway's answer to a new order: that order, a draft with the lines sent."""
    payload = without_timestamp(body)
    order, request = payload.get("data"), orjson.loads(sent)
    if payload.get("success") is not True or not isinstance(order, dict):
        raise WrongAnswer(f"the order was not created: {body[:300]!r}")
    lines = [(line["product"]["id"], line["qty"]) for line in order.get("lines") or []]
    problems = [what for what, bad in (
        ("uuid", order.get("uuid") != request["uuid"]),
        ("status", order.get("status") != "draft"),
        ("table", (order.get("table") or {}).get("id") != request["table_id"]),
        ("lines", lines != [(line["product_id"], line["qty"]) for line in request["lines"]]),
        ("total", not order.get("amount_total")),
    ) if bad]
    if problems:
        raise WrongAnswer(f"the new order differs from the one sent ({', '.join(problems)}): "
                          f"{body[:300]!r}")
    return order


def check_same_order(body: bytes, sent: bytes, expected: bytes) -> None:
    """Another new order: as checked above, and the same keys and amounts as the first one."""
    got, first = check_order(body, sent), without_timestamp(expected)["data"]
    for key in ("amount_total", "amount_tax", "amount_paid"):
        if got[key] != first[key]:
            raise WrongAnswer(f"a new order's {key} is {got[key]}, the first one's {first[key]}")
    if set(got) != set(first):
        raise WrongAnswer(f"a new order has other keys: {sorted(set(got) ^ set(first))}")


def check_same(case: Case, expected: bytes, body: bytes, sent: bytes = b"") -> None:
    """``body`` (answering ``sent``) against the gateway's verified answer ``expected``."""
    if case.server == FLOOR:
        if orjson.loads(body) != orjson.loads(expected):
            raise WrongAnswer(f"{case.label}: the hand-written SQL answer differs from the "
                              f"gateway's:\n  floor:   {body[:300]!r}\n"
                              f"  gateway: {expected[:300]!r}")
    elif case.server == GATEWAY and case.request == CREATE_ORDER:
        check_same_order(body, sent, expected)
    elif case.server == GATEWAY and case.spec.auth == BEARER:
        if len(body) != len(expected) or without_timestamp(body) != without_timestamp(expected):
            raise WrongAnswer(f"{case.label}: answer differs from the captured one (timestamp "
                              f"aside):\n  got:      {body[:300]!r}\n"
                              f"  expected: {expected[:300]!r}")
    elif body != expected:
        raise WrongAnswer(f"{case.label}: answer differs from the gateway's captured answer:\n"
                          f"  got:      {body[:300]!r}\n  expected: {expected[:300]!r}")
