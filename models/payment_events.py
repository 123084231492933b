"""``payment_failed``: a payment the model refused, told after the refusal rolled back.

A refused payment rolls its unit of work back, and the notifications the unit
had queued (``payment_completed`` of the payments taken on the way) go with
it. So the model marks the refusal on the exception (:func:`refusing`, around
the code that takes or validates a payment), and whoever ran the unit reports
the marks in a second unit of its own once the first has rolled back
(:func:`report`; the fronts' unit runner, ``RpcService.run``, calls it for
every refusal, so REST and the Odoo face report alike).

Only business refusals are marked: ``UserError``/``ValidationError`` and
their kin (a state that takes no payment, a shortfall, stock that would go
below zero), never ``AccessError``, ``MissingError`` or ``AccessDenied``, and
never malformed calls (``ValueError``): those are no payment attempt. Marks
are made after the model checked the caller may see the order, and the
report names only orders that exist once the refusal rolled back (a new
order refused in the unit that created it is gone, and with it anything to
report), so no other restaurant's order id is ever sent.

One event per payment the refused attempt tendered, with the method (null
when it is not one of the order's restaurant's) and amount of each (the
``payment_completed`` events that did not happen); an attempt that tendered
none (validating an order's earlier payments) gives one event with a null
method and the amount the order had been paid.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from . import bus
from .exceptions import AccessDenied, AccessError, MissingError, UserError

if TYPE_CHECKING:  # pragma: no cover
    from .db import Backend, Cursor
    from .env import Env
    from .registry import Registry

_logger = logging.getLogger(__name__)

#: cr.buffers key: order id -> [(method, amount)] of the payments taken in this unit.
_TENDERED = "payment_attempts"
#: Attributes set on a refusal: its marks, and whether they were reported already.
_MARKS = "payment_refusals"
_REPORTED = "payment_refusals_reported"
#: Errors that are never a refused payment (see the module docstring).
NOT_REFUSALS = (AccessError, MissingError, AccessDenied)


@dataclass(frozen=True)
class Refusal:
    order_id: int
    payment_method_id: int | None
    amount: float | None


def _method(value: Any) -> int | None:
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _amount(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def tendered(cr: "Cursor", order_id: int, method: Any, amount: Any) -> None:
    """A payment taken in this unit (``PosPayment._insert``): reported if refused later."""
    cr.buffers.setdefault(_TENDERED, {}).setdefault(order_id, []).append(
        (_method(method), _amount(amount)))


@contextlib.contextmanager
def refusing(env: "Env", order_ids: Iterable[int],
             payments: Iterable[tuple[Any, Any]] = ()) -> Iterator[None]:
    """Mark a business refusal raised inside as a refused payment of ``order_ids``:
    the payments taken in this unit for them, and ``payments`` ((method, amount) being
    taken now). The innermost mark wins."""
    try:
        yield
    except NOT_REFUSALS:
        raise
    except UserError as exc:
        if not hasattr(exc, _MARKS):
            taken = env.cr.buffers.get(_TENDERED, {})
            asked = [(_method(method), _amount(amount)) for method, amount in payments]
            marks = []
            for order_id in order_ids:
                attempt = taken.get(order_id, []) + asked
                marks += [Refusal(order_id, method, amount)
                          for method, amount in attempt or [(None, None)]]
            setattr(exc, _MARKS, marks)
        raise


def _marked(exc: BaseException) -> BaseException | None:
    """The exception of the chain that carries marks (a front may re-raise the model's
    refusal in its own words, ``raise ... from exc``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if hasattr(current, _MARKS):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


async def report(backend: "Backend", registry: "Registry", exc: BaseException) -> None:
    """Write ``payment_failed`` for the refusal ``exc`` carries, once, in a unit of its own
    (call it after the refused unit rolled back). A failure to write is logged: the
    caller's refusal is what its client must get."""
    marked = _marked(exc)
    if marked is None or getattr(marked, _REPORTED, False):
        return
    setattr(marked, _REPORTED, True)
    refusals: list[Refusal] = getattr(marked, _MARKS)
    reason = str(marked)

    async def unit(cr: "Cursor") -> None:
        from .env import Env
        env = Env(cr, registry, None)
        orders = registry["pos.order"]
        found = {row[0]: (row[1], row[2]) for row in await cr.rows(
            orders.select(orders.id, orders.company_id, orders.amount_paid)
            .where(orders.id.in_(sorted({r.order_id for r in refusals}))))}
        methods = registry["pos.payment.method"]
        asked = sorted({r.payment_method_id for r in refusals} - {None})
        owners = dict(await cr.rows(methods.select(methods.id, methods.company_id)
                                    .where(methods.id.in_(asked)))) if asked else {}
        for refusal in refusals:
            if refusal.order_id not in found:
                continue
            company_id, paid = found[refusal.order_id]
            amount = refusal.amount
            if refusal.payment_method_id is None and amount is None:
                amount = float(paid or 0)
            # a method of another restaurant (or none) is not named
            method = refusal.payment_method_id if owners.get(
                refusal.payment_method_id) == company_id else None
            await bus.send_restaurant(env, company_id, "payment_failed", {
                "order_id": refusal.order_id, "payment_method_id": method,
                "amount": amount, "reason": reason})

    try:
        await backend.run_unit(unit)
    except Exception:
        _logger.exception("payment_failed could not be written for %s", refusals)
