"""What is requested, from whom, and what must come back.

Two requests: the POS's product load (``search_read`` of 80 products, five
fields, a domain, an order, the restaurant in the context) and the cheapest
call a client makes (``version_info``). Each is sent to the gateway and to
its references. A run is only measured after its server answered the
expected answer: byte for byte for the gateway and the ceiling, equal once
decoded for the hand-written-SQL floor (same values, independently encoded).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

SEARCH_READ = "search_read"
VERSION_INFO = "version_info"

GATEWAY = "gateway"
CEILING = "ceiling"
FLOOR = "db floor"

PATHS = {
    SEARCH_READ: "/web/dataset/call_kw/product.product/search_read",
    VERSION_INFO: "/web/webclient/version_info",
}
FIELDS = ["name", "default_code", "barcode", "list_price", "categ_id"]
LIMIT = 80


def search_read_body(company_id: int) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "model": "product.product", "method": "search_read",
        "args": [[["available_in_pos", "=", True], ["list_price", ">", 1]]],
        "kwargs": {"fields": FIELDS, "limit": LIMIT, "order": "name",
                   "context": {"allowed_company_ids": [company_id]}}}})


def version_info_body() -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {}})


@dataclass(frozen=True)
class Case:
    request: str    # SEARCH_READ | VERSION_INFO
    server: str     # GATEWAY | CEILING | FLOOR

    @property
    def label(self) -> str:
        return f"{self.server} {self.request}"

    @property
    def path(self) -> str:
        return PATHS[self.request]


#: One round, in order; rotated by one per round so no case always runs first.
CASES = (
    Case(SEARCH_READ, GATEWAY), Case(SEARCH_READ, FLOOR), Case(SEARCH_READ, CEILING),
    Case(VERSION_INFO, GATEWAY), Case(VERSION_INFO, CEILING),
)


class WrongAnswer(AssertionError):
    """A server answered something else than the gateway's verified answer."""


def check_gateway_answer(request: str, payload: Any, expected_rows: int) -> None:
    """The gateway's own answer must be a success of the expected shape."""
    if not isinstance(payload, dict) or "result" not in payload:
        raise WrongAnswer(f"gateway answered an error for {request}: {str(payload)[:500]}")
    if request == SEARCH_READ:
        rows = payload["result"]
        if len(rows) != expected_rows:
            raise WrongAnswer(f"search_read answered {len(rows)} records, expected {expected_rows}")
        if any(list(row) != ["id"] + FIELDS for row in rows):
            raise WrongAnswer(f"search_read answered other fields: {list(rows[0])}")


def check_same(case: Case, expected: bytes, body: bytes) -> None:
    if case.server == FLOOR:
        if orjson.loads(body) != orjson.loads(expected):
            raise WrongAnswer(f"{case.label}: the hand-written SQL answer differs from the "
                              f"gateway's:\n  floor:   {body[:300]!r}\n"
                              f"  gateway: {expected[:300]!r}")
    elif body != expected:
        raise WrongAnswer(f"{case.label}: answer differs from the gateway's captured answer:\n"
                          f"  got:      {body[:300]!r}\n  expected: {expected[:300]!r}")
