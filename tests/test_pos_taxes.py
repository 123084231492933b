"""Order totals to the cent, through create_from_ui over call_kw, on both backends.

Every expected amount below was worked out by hand from Odoo's rules
(``account.tax.compute_all`` with ``round_per_line``), independently of
``models/pos_taxes.py``; the comment of each case shows the arithmetic.
The menu used here is made for the test: taxes included and excluded,
percent, fixed and division taxes, a tax that affects the base of the next
one, and an included levy taxed again by VAT.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.pos_support import cents, create_from_ui, demo_till, line, new_uid, order_payload, \
    payment
from tests.support import call_kw, login, result

# name: (amount_type, amount, price_include, include_base_amount, sequence)
TAXES = {
    "inc12": ("percent", 12, True, False, 3),
    "inc21": ("percent", 21, True, False, 3),
    "ex10": ("percent", 10, False, False, 5),
    "ex6": ("percent", 6, False, False, 5),
    "fix050": ("fixed", 0.5, False, False, 6),
    "base5": ("percent", 5, False, True, 1),
    "levy1": ("fixed", 1, True, True, 0),
    "div10": ("division", 10, False, False, 5),
}
# name: (price, taxes)
MENU = {
    "menu12": (12.50, ["inc12"]),
    "wine21": (3.20, ["inc21"]),
    "ex10": (9.99, ["ex10"]),
    "deposit": (4.35, ["ex10", "fix050"]),
    "mixed": (20.00, ["inc12", "ex6"]),
    "untaxed": (7.77, []),
    "cascade": (15.00, ["base5", "ex10"]),
    "levy": (12.10, ["levy1", "inc21"]),
    "division": (10.00, ["div10"]),
    "cent": (0.05, ["ex10"]),
}

D = Decimal


def L(product: str, qty: Any = 1, discount: Any = 0, refunds: int | None = None) -> tuple:
    return (product, qty, discount, refunds)


# (case, lines sold first and refunded by index (or None), lines, [(subtotal, subtotal incl.)],
#  amount_tax, amount_total)
CASES = [
    ("one included 12%", None, [L("menu12")],
     [("11.16", "12.50")], "1.34", "12.50"),                   # 12.50 / 1.12 = 11.1607
    ("included, two units", None, [L("menu12", 2)],
     [("22.32", "25.00")], "2.68", "25.00"),                   # 25.00 / 1.12 = 22.3214
    ("included with a discount", None, [L("menu12", 2, 10)],
     [("20.09", "22.50")], "2.41", "22.50"),                   # 11.25 * 2 / 1.12 = 20.0893
    ("included 21%", None, [L("wine21", 3)],
     [("7.93", "9.60")], "1.67", "9.60"),                      # 9.60 / 1.21 = 7.9339
    ("two included rates", None, [L("menu12"), L("wine21")],
     [("11.16", "12.50"), ("2.64", "3.20")], "1.90", "15.70"),  # 3.20 / 1.21 = 2.6446
    ("excluded 10%, half up", None, [L("ex10")],
     [("9.99", "10.99")], "1.00", "10.99"),                    # 0.999 -> 1.00
    ("excluded, three units", None, [L("ex10", 3)],
     [("29.97", "32.97")], "3.00", "32.97"),                   # 2.997 -> 3.00
    ("excluded with a discount", None, [L("ex10", 2, 15)],
     [("16.98", "18.68")], "1.70", "18.68"),                   # 9.99*.85*2 = 16.983; 1.698
    ("percent and fixed", None, [L("deposit")],
     [("4.35", "5.29")], "0.94", "5.29"),                      # 0.435 -> 0.44, + 0.50
    ("percent and fixed, four units", None, [L("deposit", 4)],
     [("17.40", "21.14")], "3.74", "21.14"),                   # 1.74 + 4 * 0.50
    ("included then excluded", None, [L("mixed")],
     [("17.86", "21.07")], "3.21", "21.07"),                   # 20/1.12=17.857; 2.14; 1.0716
    ("included then excluded, two units", None, [L("mixed", 2)],
     [("35.71", "42.14")], "6.43", "42.14"),                   # 40/1.12=35.714; 4.29; 2.1426
    ("no tax", None, [L("untaxed", 3)],
     [("23.31", "23.31")], "0.00", "23.31"),
    ("a tax on a tax", None, [L("cascade")],
     [("15.00", "17.33")], "2.33", "17.33"),                   # 0.75; 15.75 * 10% = 1.575
    ("a tax on a tax, two units", None, [L("cascade", 2)],
     [("30.00", "34.65")], "4.65", "34.65"),                   # 1.50; 31.50 * 10% = 3.15
    ("included levy taxed by VAT", None, [L("levy")],
     [("9.00", "12.10")], "3.10", "12.10"),                    # 12.10/1.21 = 10 - 1 levy
    ("included levy, three units", None, [L("levy", 3)],
     [("27.00", "36.30")], "9.30", "36.30"),                   # 36.30/1.21 = 30 - 3 levies
    ("included levy at half price", None, [L("levy", 1, 50)],
     [("4.00", "6.05")], "2.05", "6.05"),                      # 6.05/1.21 = 5 - 1; 1.05 VAT
    ("division tax", None, [L("division", 2)],
     [("20.00", "22.22")], "2.22", "22.22"),                   # 20 / 0.9 - 20 = 2.222
    ("rounded per line", None, [L("cent"), L("cent"), L("cent")],
     [("0.05", "0.06")] * 3, "0.03", "0.18"),                  # 3 x 0.005 -> 0.01 (not 0.02)
    ("half a cent rounds up", None, [L("cent", 7)],
     [("0.35", "0.39")], "0.04", "0.39"),                      # 0.035 -> 0.04
    ("a basket of everything", None,
     [L("menu12"), L("ex10"), L("cascade"), L("untaxed")],
     [("11.16", "12.50"), ("9.99", "10.99"), ("15.00", "17.33"), ("7.77", "7.77")],
     "4.67", "48.59"),
    ("half a portion", None, [L("menu12", "0.5")],
     [("5.58", "6.25")], "0.67", "6.25"),                      # 6.25 / 1.12 = 5.5804
    ("refund of an included tax", [L("menu12", 2)], [L("menu12", -1, 0, refunds=0)],
     [("-11.16", "-12.50")], "-1.34", "-12.50"),
    ("refund of percent and fixed", [L("deposit", 4)], [L("deposit", -2, 0, refunds=0)],
     [("-8.70", "-10.57")], "-1.87", "-10.57"),                # 0.87 + 2 * 0.50
    ("refund with the sale's discount", [L("ex10", 2, 15)], [L("ex10", -1, 15, refunds=0)],
     [("-8.49", "-9.34")], "-0.85", "-9.34"),                  # 8.4915 -> 8.49; 0.849
]


@pytest.fixture
async def menu(orm: Any) -> dict[str, dict[str, Any]]:
    """The test menu in Bistro Centrale, created by its manager."""
    async def build(env: Any) -> dict[str, dict[str, Any]]:
        taxes = {}
        for name, (kind, amount, included, affects, sequence) in TAXES.items():
            taxes[name] = await env["account.tax"].create({
                "name": f"Test {name}", "amount_type": kind, "amount": amount,
                "price_include": included, "include_base_amount": affects,
                "sequence": sequence})
        products = {}
        for name, (price, tax_names) in MENU.items():
            product_id = await env["product.product"].create({
                "name": f"Test {name}", "list_price": price, "available_in_pos": True,
                "taxes_id": [(6, 0, [taxes[t] for t in tax_names])]})
            products[name] = {"id": product_id, "name": f"Test {name}", "list_price": price}
        return products
    return await orm.run(build, login="manager")


async def _send(client: Any, till: Any, menu: dict[str, Any], specs: list[tuple],
                total: Decimal, refunded: list[int] | None = None) -> int:
    lines = []
    for product, qty, discount, refunds in specs:
        extra = {"refunded_orderline_id": refunded[refunds]} if refunds is not None else {}
        lines.append(line(menu[product], qty, discount, **extra))
    payload = order_payload(new_uid(), till.session_id, lines, [payment(till.cash, float(total))])
    (answer,) = result(await create_from_ui(client, [payload]))
    return answer["id"]


@pytest.mark.parametrize("case,sold,specs,expected_lines,tax,total", CASES,
                         ids=[case[0] for case in CASES])
async def test_order_totals(client: Any, orm: Any, menu: Any, case: str, sold: Any, specs: Any,
                            expected_lines: Any, tax: str, total: str) -> None:
    till = await demo_till(orm, "manager")
    await login(client, "manager")
    refunded = None
    if sold:
        sale_id = await _send_unpaid_then_pay(client, till, menu, sold)
        (sale,) = result(await call_kw(client, "pos.order", "read", [[sale_id], ["lines"]]))
        refunded = sale["lines"]
    order_id = await _send(client, till, menu, specs, D(total), refunded)
    (order,) = result(await call_kw(client, "pos.order", "read", [
        [order_id], ["amount_tax", "amount_total", "amount_paid", "lines", "state"]]))
    lines = result(await call_kw(client, "pos.order.line", "read", [
        order["lines"], ["price_subtotal", "price_subtotal_incl"]]))
    assert [(cents(l["price_subtotal"]), cents(l["price_subtotal_incl"])) for l in lines] == \
        [(D(a), D(b)) for a, b in expected_lines]
    assert cents(order["amount_tax"]) == D(tax)
    assert cents(order["amount_total"]) == D(total)
    assert cents(order["amount_paid"]) == D(total) and order["state"] == "paid"


async def _send_unpaid_then_pay(client: Any, till: Any, menu: Any, sold: list[tuple]) -> int:
    """A sale to refund: saved as a draft, then paid with what the server totalled."""
    lines = [line(menu[product], qty, discount) for product, qty, discount, _ in sold]
    uid = new_uid()
    payload = order_payload(uid, till.session_id, lines, [])
    (answer,) = result(await create_from_ui(client, [payload], draft=True))
    (order,) = result(await call_kw(client, "pos.order", "read",
                                    [[answer["id"]], ["amount_total"]]))
    payload["data"]["statement_ids"] = [payment(till.cash, order["amount_total"])]
    result(await create_from_ui(client, [payload]))
    return answer["id"]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 20
    for _case, _sold, specs, expected, tax, total in CASES:
        assert len(specs) == len(expected)
        # the order's numbers agree with its lines' (a check of the table, not of the code)
        assert sum(D(b) for _a, b in expected) == D(total)
        assert sum(D(b) - D(a) for a, b in expected) == D(tax)
