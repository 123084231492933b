"""Tax and total arithmetic of point-of-sale orders: pure functions over Decimal.

The rules are Odoo's (16/17 ``account.tax.compute_all``, ``pos.order.line.
_compute_amount_line_all`` and ``pos.order._onchange_amount_all``), restated
for exact decimals so that a total is the same to the cent on every backend
and every run:

* a line's base is ``price_unit * (1 - discount / 100) * qty``, rounded to the
  currency first (Odoo rounds the base so that, whatever the rounding method,
  the taxes of a line are exactly ``total_included - total_excluded``);
* taxes apply in their sequence order. Taxes included in the price are first
  taken out of it, walking the list backwards (a tax that *affects the base
  of subsequent taxes* closes a block: the base is recomputed there); then
  every tax is computed forwards from the untaxed amount. The last included
  tax of each block takes the remainder to its checkpoint, so that included
  taxes never lose or invent a cent to rounding;
* each tax amount is rounded per line (Odoo's default
  ``tax_calculation_rounding_method = 'round_per_line'``); the order's tax is
  the sum of the line taxes, its total the untaxed sum plus that tax;
* a negative base (refund lines) is computed as positive and signed at the
  end, as Odoo does, so a refund is the exact mirror of a sale.

Nothing here reads the database: the models load prices, taxes and
payments, call these functions and store what they answer. ``group`` taxes
(a tax made of children) have no children in this gateway and so add
nothing, which is what Odoo computes for an empty group.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Sequence

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """An amount as stored or sent (float, int, str) -> the exact Decimal people wrote.

    Floats go through ``str`` so that 0.1 stays 0.1 (floats from the database
    come from NUMERIC columns and are exact at their scale).
    """
    if isinstance(value, Decimal):
        return value
    if value is None or value is False:
        return ZERO
    if isinstance(value, bool):
        raise ValueError(f"Invalid amount {value!r}")
    return Decimal(str(value))


def round_to(value: Decimal, rounding: Decimal = CENT) -> Decimal:
    """Round half away from zero to a multiple of ``rounding`` (Odoo's float_round HALF-UP)."""
    steps = (value / rounding).to_integral_value(rounding=ROUND_HALF_UP)
    return (steps * rounding).quantize(rounding.normalize() if rounding < 1 else Decimal(1))


@dataclass(frozen=True)
class Tax:
    """What the computation needs of an ``account.tax``."""

    id: int
    amount_type: str            # 'percent' | 'fixed' | 'division' | 'group'
    amount: Decimal
    price_include: bool = False
    include_base_amount: bool = False
    #: Odoo's is_base_affected (default True): whether earlier include_base_amount taxes
    #: change this tax's base.
    is_base_affected: bool = True


@dataclass(frozen=True)
class TaxAmount:
    tax_id: int
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TaxResult:
    total_excluded: Decimal
    total_included: Decimal
    taxes: tuple[TaxAmount, ...]

    @property
    def tax(self) -> Decimal:
        return self.total_included - self.total_excluded


def _recompute_base(base: Decimal, fixed: Decimal, percent: Decimal, division: Decimal) -> Decimal:
    """The base before included taxes: (base - fixed) / (1 + percent%) * (1 - division%)."""
    return (base - fixed) / (1 + percent / HUNDRED) * (HUNDRED - division) / HUNDRED


def _tax_amount(tax: Tax, base: Decimal, quantity: Decimal) -> Decimal:
    """One tax on an (untaxed) base, as Odoo's ``_compute_amount`` without price_include."""
    if tax.amount_type == "fixed":
        if base:
            return abs(quantity).copy_sign(base) * tax.amount
        return quantity * tax.amount
    if tax.amount_type == "percent":
        return base * tax.amount / HUNDRED
    if tax.amount_type == "division":
        rate = 1 - tax.amount / HUNDRED
        return base / rate - base if rate else ZERO
    return ZERO


def compute_all(taxes: Sequence[Tax], price_unit: Any, quantity: Any = 1,
                rounding: Decimal = CENT) -> TaxResult:
    """Odoo's ``compute_all`` for ``taxes`` already in their sequence order."""
    price_unit, quantity = to_decimal(price_unit), to_decimal(quantity)
    taxes = [tax for tax in taxes if tax.amount_type != "group"]
    base = round_to(price_unit * quantity, rounding)
    sign = 1
    if base < 0:
        sign, base = -1, -base

    # Backwards: take the included taxes out of the price, block by block.
    checkpoints: dict[int, Decimal] = {}
    fixed = percent = division = ZERO
    store_checkpoint = True
    for index in range(len(taxes) - 1, -1, -1):
        tax = taxes[index]
        if tax.include_base_amount:
            base = _recompute_base(base, fixed, percent, division)
            fixed = percent = division = ZERO
            store_checkpoint = True
        if tax.price_include:
            if tax.amount_type == "percent":
                percent += tax.amount
            elif tax.amount_type == "division":
                division += tax.amount
            elif tax.amount_type == "fixed":
                fixed += abs(quantity) * tax.amount
            if store_checkpoint and tax.amount:
                checkpoints[index] = base
                store_checkpoint = False
    total_excluded = round_to(_recompute_base(base, fixed, percent, division), rounding)

    # Forwards: every tax from the untaxed amount.
    base = total_included = total_excluded
    skip_checkpoint = False
    included_so_far = ZERO
    results = []
    for index, tax in enumerate(taxes):
        tax_base = base if tax.price_include or tax.is_base_affected else total_excluded
        checkpoint = checkpoints.get(index)
        if not skip_checkpoint and tax.price_include and checkpoint is not None:
            amount = checkpoint - (base + included_so_far)
            included_so_far = ZERO
        else:
            amount = _tax_amount(tax, tax_base, quantity)
        amount = round_to(amount, rounding)
        if tax.price_include and checkpoint is None:
            included_so_far += amount
        results.append(TaxAmount(tax.id, sign * round_to(tax_base, rounding), sign * amount))
        if tax.include_base_amount:
            base += amount
            if not tax.price_include:
                skip_checkpoint = True
        total_included += amount
    return TaxResult(sign * total_excluded, sign * round_to(total_included, rounding),
                     tuple(results))


@dataclass(frozen=True)
class LineAmounts:
    price_subtotal: Decimal         # without taxes
    price_subtotal_incl: Decimal    # with taxes

    @property
    def tax(self) -> Decimal:
        return self.price_subtotal_incl - self.price_subtotal


def line_amounts(price_unit: Any, qty: Any, discount: Any, taxes: Sequence[Tax],
                 rounding: Decimal = CENT) -> LineAmounts:
    """A POS line: the discounted unit price through ``compute_all``."""
    price = to_decimal(price_unit) * (1 - to_decimal(discount) / HUNDRED)
    result = compute_all(taxes, price, qty, rounding)
    return LineAmounts(result.total_excluded, result.total_included)


@dataclass(frozen=True)
class OrderAmounts:
    amount_tax: Decimal
    amount_total: Decimal
    amount_paid: Decimal
    amount_return: Decimal


def order_amounts(lines: Iterable[LineAmounts], payments: Iterable[tuple[Any, bool]],
                  rounding: Decimal = CENT) -> OrderAmounts:
    """Totals of an order from its line amounts and its ``(amount, is_change)`` payments.

    ``amount_paid`` is what the payments add up to, change included (so a
    paid order has ``amount_paid == amount_total``); ``amount_return`` is the
    change given back, a positive amount, as the POS sends it.
    """
    lines = list(lines)
    amount_tax = round_to(sum((line.tax for line in lines), ZERO), rounding)
    untaxed = round_to(sum((line.price_subtotal for line in lines), ZERO), rounding)
    paid = change = ZERO
    for amount, is_change in payments:
        amount = to_decimal(amount)
        paid += amount
        if is_change:
            change -= amount
    return OrderAmounts(amount_tax, untaxed + amount_tax, round_to(paid, rounding),
                        round_to(change, rounding))

