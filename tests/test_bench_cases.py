"""The bench's request building and answer checks (pure functions: no server, no timing)."""
from __future__ import annotations

import orjson
import pytest

from bench import cases
from bench.cases import CEILING, CREATE_ORDER, GATEWAY, MOBILE_MENU, Case, WrongAnswer

MENU = [{"id": 100 + i, "name": f"Dish {i}", "price": 2.5 + i} for i in range(20)]
STAMP = "2026-11-21T22:07:26.123Z"


def envelope(data: object, stamp: str = STAMP, **extra: object) -> bytes:
    return orjson.dumps({"success": True, "data": data, "message": None, "error": None,
                         "meta": None, "timestamp": stamp, **extra})


def order_answer(sent: bytes, **changes: object) -> dict:
    request = orjson.loads(sent)
    order = {"id": 7, "name": "/", "uuid": request["uuid"], "status": "draft",
             "table": {"id": request["table_id"], "name": "T1"}, "amount_total": 21.5,
             "amount_tax": 1.2, "amount_paid": 0.0,
             "lines": [{"product": {"id": line["product_id"], "name": "x"}, "qty": line["qty"]}
                       for line in request["lines"]]}
    order.update(changes)
    return order


def test_order_template_is_filled_per_request() -> None:
    template = cases.order_template(MENU)
    first, second = cases.fill(template, "bench-m-1-1", 3), cases.fill(template, "bench-m-1-2", 4)
    body = orjson.loads(first)
    assert body["uuid"] == "bench-m-1-1" and body["table_id"] == 3
    assert body["guests"] == cases.GUESTS
    assert [(line["product_id"], line["qty"]) for line in body["lines"]] == [
        (MENU[index]["id"], qty) for index, qty in cases.ORDER_LINES]
    assert orjson.loads(second)["uuid"] == "bench-m-1-2"
    # the marks are where post.lua's gsub("@@(%u+)@@") finds them: one uuid, one bare table
    assert template.count(b"@@UUID@@") == 1 and b'"table_id":@@TABLE@@' in template


def test_order_template_needs_a_menu_long_enough() -> None:
    with pytest.raises(WrongAnswer):
        cases.order_template(MENU[:5])


def test_menu_check_ignores_only_the_timestamp() -> None:
    captured = envelope(MENU, meta={"count": len(MENU)})
    later = envelope(MENU, stamp="2026-11-21T22:09:01.999Z", meta={"count": len(MENU)})
    assert cases.check_menu(captured) == MENU
    cases.check_same(Case(MOBILE_MENU, GATEWAY), captured, later)
    changed = envelope(MENU[:-1] + [dict(MENU[-1], price=1.0)], meta={"count": len(MENU)})
    with pytest.raises(WrongAnswer):
        cases.check_same(Case(MOBILE_MENU, GATEWAY), captured, changed)
    # the ceiling must answer the captured bytes themselves
    with pytest.raises(WrongAnswer):
        cases.check_same(Case(MOBILE_MENU, CEILING), captured, later)


@pytest.mark.parametrize("body", [
    orjson.dumps({"success": True, "data": MENU}),              # not an envelope
    envelope([], meta={"count": 0}),                            # an empty menu
    envelope(MENU, meta={"count": 3}),                          # a wrong count
], ids=["no envelope", "empty", "wrong count"])
def test_menu_check_refuses(body: bytes) -> None:
    with pytest.raises(WrongAnswer):
        cases.check_menu(body)


def test_a_new_order_is_checked_against_what_was_sent() -> None:
    template = cases.order_template(MENU)
    first = cases.fill(template, "bench-check-1", 1)
    captured = envelope(order_answer(first))
    second = cases.fill(template, "bench-m-2-9", 5)
    cases.check_same(Case(CREATE_ORDER, GATEWAY), captured,
                     envelope(order_answer(second, id=8)), second)


@pytest.mark.parametrize("changes", [
    {"uuid": "someone-else"}, {"status": "paid"}, {"table": None}, {"lines": []},
    {"amount_total": 99.0}, {"amount_total": 0.0},
])
def test_a_wrong_new_order_is_refused(changes: dict) -> None:
    template = cases.order_template(MENU)
    first = cases.fill(template, "bench-check-1", 1)
    captured = envelope(order_answer(first))
    second = cases.fill(template, "bench-m-2-9", 5)
    with pytest.raises(WrongAnswer):
        cases.check_same(Case(CREATE_ORDER, GATEWAY), captured,
                         envelope(order_answer(second, **changes)), second)


def test_every_case_has_its_ceiling() -> None:
    for case in cases.CASES:
        assert Case(case.request, CEILING) in cases.CASES
        assert case.path.startswith("/")
