"""Kitchen tickets: routing by category, deltas, rendering (hardware_bridge/kitchen.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from hardware_bridge.kitchen import (
    UNROUTED,
    KitchenChange,
    kitchen_escpos,
    kitchen_text,
    route_lines,
    ticket_delta,
)
from hardware_bridge.receipt import Receipt, ReceiptLine
from tests.test_hw_render import receipt_dict


def line(uuid: str, qty: str, categories: tuple[int, ...] = (), name: str = "",
         **extra: object) -> ReceiptLine:
    return ReceiptLine(name=name or f"dish {uuid}", qty=Decimal(qty), total=Decimal(0),
                       uuid=uuid, category_ids=frozenset(categories), **extra)  # type: ignore[arg-type]


FOOD, DESSERT, DRINKS, WINE = 1, 11, 2, 21
PASTA, CAKE, NEGRONI, SODA, BREAD = (line("pasta", "1", (FOOD,)), line("cake", "1", (FOOD, DESSERT)),
                                     line("negroni", "1", (DRINKS,)),
                                     line("soda", "1", (DRINKS, 99)), line("bread", "1", (7,)))
MENU = [PASTA, CAKE, NEGRONI, SODA, BREAD]


def names(routed: dict) -> dict[str, list[str]]:
    return {role: [item.uuid for item in items] for role, items in routed.items()}


@pytest.mark.parametrize("routes,expected", [
    ({"kitchen": {FOOD}, "bar": {DRINKS}},
     {"kitchen": ["pasta", "cake"], "bar": ["negroni", "soda"], UNROUTED: ["bread"]}),
    ({"kitchen": {FOOD}, "bar": {DRINKS}, "pass": set()},
     {"kitchen": ["pasta", "cake"], "bar": ["negroni", "soda"], "pass": ["bread"]}),
    # a line may go to two printers (the dessert station also sees the cake)
    ({"kitchen": {FOOD}, "desserts": {DESSERT}, "bar": {DRINKS, 7}},
     {"kitchen": ["pasta", "cake"], "desserts": ["cake"], "bar": ["negroni", "soda", "bread"]}),
    ({"kitchen": []}, {"kitchen": [i.uuid for i in MENU]}),
    ({"bar": {WINE}}, {"bar": [], UNROUTED: [i.uuid for i in MENU]}),
    ({}, {UNROUTED: [i.uuid for i in MENU]}),
])
def test_route_lines(routes: dict, expected: dict) -> None:
    assert names(route_lines(MENU, routes)) == expected


def changes(result: list[KitchenChange]) -> list[tuple[str, str, str]]:
    return [(c.uuid, c.kind, c.shown_qty) for c in result]


@pytest.mark.parametrize("previous,lines,expected,snapshot", [
    ({}, [line("a", "2"), line("b", "1")],
     [("a", "new", "2"), ("b", "new", "1")], {"a": 2.0, "b": 1.0}),
    ({"a": 2.0, "b": 1.0}, [line("a", "2"), line("b", "1")], [], {"a": 2.0, "b": 1.0}),
    ({"a": 2.0, "b": 1.0}, [line("a", "3"), line("b", "1"), line("c", "1")],
     [("a", "more", "+1"), ("c", "new", "1")], {"a": 3.0, "b": 1.0, "c": 1.0}),
    ({"a": 3.0, "b": 1.0}, [line("a", "1"), line("b", "1")],
     [("a", "cancelled", "-2")], {"a": 1.0, "b": 1.0}),
    ({"a": 1.0, "b": 1.0}, [line("b", "1")], [("a", "cancelled", "-1")], {"b": 1.0}),
    ({"a": 1.0}, [line("a", "0")], [("a", "cancelled", "-1")], {}),
    ({"a": 0.5}, [line("a", "1.5")], [("a", "more", "+1")], {"a": 1.5}),
    ({}, [line("a", "1"), line("a", "2")], [("a", "new", "3")], {"a": 3.0}),   # same uuid adds
    ({}, [line("", "1", name="Water")], [("Water|", "new", "1")], {"Water|": 1.0}),
])
def test_ticket_delta(previous: dict, lines: list, expected: list, snapshot: dict) -> None:
    result, new_snapshot = ticket_delta(previous, lines)
    assert changes(result) == expected
    assert new_snapshot == snapshot
    again, same = ticket_delta(new_snapshot, lines)     # nothing new the second time
    assert again == [] and same == new_snapshot


def test_removed_line_keeps_its_name_when_known() -> None:
    result, _ = ticket_delta({"a": 2.0}, [], names={"a": "Lasagne"})
    assert [(c.name, c.shown_qty, c.kind) for c in result] == [("Lasagne", "-2", "cancelled")]
    result, _ = ticket_delta({"abcdefghij": 1.0}, [])
    assert result[0].name == "item abcdefgh"


def ticket_receipt() -> Receipt:
    return Receipt.from_data(receipt_dict(note="birthday\x1bp\x00 table"))


def test_kitchen_ticket_bytes_and_text() -> None:
    sample = ticket_receipt()
    first, snapshot = ticket_delta({}, sample.lines)
    data = kitchen_escpos(sample, "kitchen", first, time="15:21")
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x00") and data.count(b"\x1dV") == 1
    for item in sample.lines:
        assert item.name.encode() in data
    assert b"Table T4" in data and b"15:21" in data and b"KITCHEN" in data
    assert b"EUR" not in data and b"24.00" not in data                  # no prices
    assert b"no pepper" in data and b"one without egg" in data
    assert b"\x1bp" not in data and b"birthdayp table" in data
    assert b"\x1d!\x11" in data or b"\x1b!\x30" in data                 # big text somewhere

    more = Receipt.from_data(receipt_dict(lines=[
        {"uuid": "l1", "name": "Spaghetti Carbonara", "qty": 3, "total": 36},
        {"uuid": "l3", "name": "Negroni", "qty": 1, "total": 9}]))
    second, _ = ticket_delta(snapshot, more.lines, names={"l2": "Tiramisu"})
    text = kitchen_text(more, "bar", second, time="15:40")
    rows = [row.strip() for row in text.splitlines()]
    assert "BAR" in rows and "Table T4" in rows and "Waiter: Anna" in text
    assert "+1 Spaghetti Carbonara" in rows
    assert "-2 Negroni" in rows and "-1 Tiramisu" in rows
    assert rows.count("CANCELLED") == 2


def test_kitchen_custom_template() -> None:
    sample = ticket_receipt()
    result, _ = ticket_delta({}, sample.lines)
    text = kitchen_text(sample, "kitchen", result,
                        template="{% lines %}\n{{ line.qty }}x {{ line.name }}\n{% endlines %}")
    assert text.splitlines() == ["2x Spaghetti Carbonara", "1x Tiramisu", "3x Negroni"]
