"""The restaurant side of ``pos.order``: bills on tables.

A mixin of :class:`models.pos_order.PosOrder` (it holds no fields; the
order's ``table_id`` is declared there). It does two things:

* keeps each table's status in step with its orders: every ORM path that
  creates an order on a table, moves it, changes its state or deletes it
  calls :func:`models.restaurant.refresh_table_status` in the same
  transaction. Business code that changes ``state`` with a raw UPDATE must
  call that function itself;
* moves, splits and merges bills. These work on open (draft) orders of the
  caller's restaurant only, refuse anything else with the state named, and
  recompute every total through the order model's own totals method, so the
  tax arithmetic lives in one place.
"""
from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import security
from .api import public
from .audit import batched
from .base import MAGIC_FIELDS, check_ids, now_utc
from .exceptions import AccessError, UserError, ValidationError
from .restaurant import lock_tables, refresh_table_status

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


async def recompute_totals(env: "Env", order_ids: list[int]) -> None:
    """The order model's own totals and kitchen status, recomputed from the lines,
    taxes and payments the orders now hold."""
    orders = env.registry["pos.order"]
    await orders._recompute_amounts(env, order_ids)
    await orders._refresh_kitchen_status(env, order_ids)


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"Invalid quantity {value!r} for {what}")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"Invalid quantity {value!r} for {what}") from None
    if not number.is_finite():
        raise ValueError(f"Invalid quantity {value!r} for {what}")
    return number


def _line_spec(lines: Any) -> dict[int, Decimal | None]:
    """What to split off, as clients send it -> {line id: quantity (None: all of it)}.

    Accepted: a list of line ids, a list of ``[line_id, qty]`` pairs, or an
    object ``{"<line id>": qty}`` (JSON keys are strings).
    """
    if isinstance(lines, dict):
        items = list(lines.items())
    elif isinstance(lines, (list, tuple)):
        items = [(item, None) if not isinstance(item, (list, tuple)) else tuple(item)
                 for item in lines]
    else:
        raise ValueError(f"Invalid lines {lines!r}: expected line ids or [line id, quantity]")
    spec: dict[int, Decimal | None] = {}
    for item in items:
        if len(item) != 2:
            raise ValueError(f"Invalid line {item!r}: expected [line id, quantity]")
        key, qty = item
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if isinstance(key, bool) or not isinstance(key, int):
            raise ValueError(f"Invalid line id {key!r}")
        spec[key] = None if qty is None else _decimal(qty, f"line {key}")
    if not spec:
        raise UserError("Choose at least one line to split off.")
    return spec


def _label(order_id: int, name: Any, reference: Any) -> str:
    """How staff know an order: its name once paid, its receipt number before
    (open orders sent by a POS are all named '/')."""
    if name and name != "/":
        return name
    return reference or f"#{order_id}"


class PosOrderRestaurantMixin:
    """Tables and bills: status upkeep on the ORM paths, and move/split/merge."""

    # -- keeping table status in step -------------------------------------------------
    @classmethod
    async def _tables_of(cls, env: "Env", ids: list[int]) -> set[int]:
        wanted = [i for i in ids if 0 < i < 2**31]
        if not wanted:
            return set()
        return {row[0] for row in await env.cr.rows(
            cls.select(cls.table_id).where(cls.id.in_(wanted) & cls.table_id.is_null(False)))}

    @classmethod
    async def _check_table_company(cls, env: "Env", ids: list[int]) -> None:
        """An order sits at a table of its own restaurant (a platform owner with two
        restaurants active could otherwise link across them)."""
        Table = env.registry["restaurant.table"]
        wrong = await env.cr.first(
            cls.select(cls.name).join(Table, on=(Table.id == cls.table_id))
            .where(cls.id.in_(ids) & (Table.company_id != cls.company_id)).limit(1))
        if wrong:
            raise ValidationError(f"Order {wrong[0]} cannot sit at a table of another restaurant.",
                                  field_errors={"table_id": "Table of another restaurant"})

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        new_id = await super()._create_one(env, vals)  # type: ignore[misc]
        tables = await cls._tables_of(env, [new_id])
        if tables:
            await cls._check_table_company(env, [new_id])
            await refresh_table_status(env, tables)
        return new_id

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        if not isinstance(vals, dict) or not {"table_id", "state"} & set(vals):
            return await super().write(env, ids, vals)  # type: ignore[misc]
        checked = check_ids(ids)
        before = await cls._tables_of(env, checked)
        result = await super().write(env, ids, vals)  # type: ignore[misc]
        after = await cls._tables_of(env, checked)
        if "table_id" in vals and after:
            await cls._check_table_company(env, checked)
        await refresh_table_status(env, before | after)
        return result

    @classmethod
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        tables = await cls._tables_of(env, check_ids(ids))
        result = await super().unlink(env, ids)  # type: ignore[misc]
        await refresh_table_status(env, tables)
        return result

    # -- move, split, merge -----------------------------------------------------
    @classmethod
    async def _open_orders(cls, env: "Env", ids: Any, verb: str) -> list[tuple]:
        """The orders ``ids`` as (id, name, state, table_id, company_id, session_id),
        once the caller may change them: a point-of-sale user of their restaurant,
        and every order still open."""
        ids = check_ids(ids)
        if not ids:
            raise UserError(f"Choose the orders to {verb}.")
        if not env.su and not (env.user and env.user.has_group(security.POS_USER)):
            raise AccessError(f"Only point of sale users can {verb} bills.")
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        rows = {row[0]: (row[0], _label(row[0], row[1], row[6]), *row[2:6])
                for row in await env.cr.rows(cls.select(
                    cls.id, cls.name, cls.state, cls.table_id, cls.company_id, cls.session_id,
                    cls.pos_reference).where(cls.id.in_(ids)))}
        labels = dict(cls._fields["state"].selection)
        for record_id in ids:
            _id, name, state, *_rest = rows[record_id]
            if state != "draft":
                raise UserError(f"You cannot {verb} order {name}: it is {labels.get(state, state)} "
                                f"(state '{state}'); only open orders can be changed.")
        return [rows[i] for i in ids]

    @public("records")
    async def move_to_table(cls, env: "Env", ids: Any, table_id: Any,
                            merge: bool = False) -> list[int]:
        """Move bills to another table of the same restaurant.

        The target must have no open order, unless ``merge`` is true: the
        bills then join the target's open order (the oldest, if it has
        several). Answers the orders that now hold the moved lines.
        """
        orders = await cls._open_orders(env, ids, "move")
        if isinstance(table_id, bool) or not isinstance(table_id, int):
            raise ValueError(f"Invalid table id {table_id!r}")
        Table = env.registry["restaurant.table"]
        security.check_access(env, Table, security.READ)
        await Table._ensure_visible(env, [table_id], security.READ)
        name, company_id, active = (await env.cr.first(
            Table.select(Table.name, Table.company_id, Table.active).where(Table.id == table_id)))
        if not active:
            raise UserError(f"Table {name} is archived.")
        if any(order[4] != company_id for order in orders):
            raise UserError(f"Table {name} belongs to another restaurant than these orders.")
        moved = [order[0] for order in orders]
        sources = {order[3] for order in orders if order[3]}
        await lock_tables(env, sources | {table_id})
        waiting = [row[0] for row in await env.cr.rows(
            cls.select(cls.id).where((cls.table_id == table_id) & (cls.state == "draft")
                                     & cls.id.not_in(moved)).order_by(cls.id))]
        if waiting and not merge:
            names = [_label(*row) for row in await env.cr.rows(
                cls.select(cls.id, cls.name, cls.pos_reference).where(cls.id.in_(waiting))
                .order_by(cls.id))]
            raise UserError(f"Table {name} already has an open order ({', '.join(names)}): "
                            "merge the bills or choose a free table.")
        if waiting:
            (target,) = await cls._open_orders(env, [waiting[0]], "merge")
            cls._check_mergeable(target, orders)
            await cls._merge(env, waiting[0], moved)
            result = [waiting[0]]
        else:
            changes = {cls.table_id: table_id, cls.write_uid: env.uid, cls.write_date: now_utc()}
            await env.cr.run(cls.update(changes).where(cls.id.in_(moved)))
            await env["audit.log"]._log_changes(cls, [
                (order[0], order[4], {"table_id": order[3]}, changes) for order in orders])
            result = moved
        await refresh_table_status(env, sources | {table_id})
        return result

    @public("records")
    async def merge_orders(cls, env: "Env", ids: Any, target_id: Any = None) -> int:
        """Put all the lines (and payments) of the orders ``ids`` on one bill:
        ``target_id``, or the first of ``ids``. The emptied orders are cancelled
        (not deleted: a POS that resends one finds it closed instead of
        creating it again). Answers the target."""
        ids = check_ids(ids)
        if target_id is None and ids:
            target_id = ids[0]
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            raise ValueError(f"Invalid target order {target_id!r}")
        orders = await cls._open_orders(env, list(dict.fromkeys([target_id, *ids])), "merge")
        target = orders[0]
        sources = orders[1:]
        if not sources:
            raise UserError("Choose at least two orders to merge.")
        cls._check_mergeable(target, sources)
        tables = {order[3] for order in orders if order[3]}
        await lock_tables(env, tables)
        await cls._merge(env, target[0], [order[0] for order in sources])
        await refresh_table_status(env, tables)
        return target[0]

    @staticmethod
    def _check_mergeable(target: tuple, sources: list[tuple]) -> None:
        """One bill holds one restaurant's and one session's sales (the session's
        closing counts them)."""
        for order in sources:
            if order[4] != target[4]:
                raise UserError(f"Order {order[1]} belongs to another restaurant than "
                                f"{target[1]}.")
            if order[5] != target[5]:
                raise UserError(f"Order {order[1]} belongs to another session than {target[1]}: "
                                "bills of different sessions cannot be merged.")

    @classmethod
    @batched
    async def _merge(cls, env: "Env", target_id: int, source_ids: list[int]) -> None:
        """Lines, payments and guests of ``source_ids`` onto ``target_id``; the
        sources end cancelled and empty, the totals recomputed. Every row moved
        is logged (its old order read before the move)."""
        Line = env.registry["pos.order.line"]
        Payment = env.registry["pos.payment"]
        Log = env["audit.log"]
        target_name = _label(*await env.cr.first(
            cls.select(cls.id, cls.name, cls.pos_reference).where(cls.id == target_id)))
        counts = {row[0]: row[1:] for row in await env.cr.rows(
            cls.select(cls.id, cls.customer_count, cls.company_id)
            .where(cls.id.in_([target_id, *source_ids])))}
        guests = sum(count or 0 for count, _company in counts.values())
        lines = await env.cr.rows(Line.select(Line.id, Line.order_id, Line.company_id)
                                  .where(Line.order_id.in_(source_ids)))
        changes = {Line.order_id: target_id, Line.write_uid: env.uid, Line.write_date: now_utc()}
        await env.cr.run(Line.update(changes).where(Line.order_id.in_(source_ids)))
        await Log._log_changes(Line, [(line_id, company_id, {"order_id": old}, changes)
                                      for line_id, old, company_id in lines])
        payments = await env.cr.rows(Payment.select(Payment.id, Payment.pos_order_id,
                                                    Payment.company_id)
                                     .where(Payment.pos_order_id.in_(source_ids)))
        await env.cr.run(Payment.update({Payment.pos_order_id: target_id})
                         .where(Payment.pos_order_id.in_(source_ids)))
        await Log._log_changes(Payment, [(payment_id, company_id, {"pos_order_id": old},
                                          {"pos_order_id": target_id})
                                         for payment_id, old, company_id in payments])
        changes = {cls.customer_count: guests, cls.write_uid: env.uid, cls.write_date: now_utc()}
        await env.cr.run(cls.update(changes).where(cls.id == target_id))
        old_count, company_id = counts[target_id]
        await Log._log_changes(cls, [(target_id, company_id, {"customer_count": old_count},
                                      changes)])
        mark = f"Merged into {target_name}."
        notes = {row[0]: {cls.customer_count: 0, cls.note: f"{row[1]}\n{mark}" if row[1] else mark}
                 for row in await env.cr.rows(cls.select(cls.id, cls.note)
                                              .where(cls.id.in_(source_ids)))}
        await recompute_totals(env, [target_id, *source_ids])
        # the order model's one state change: its event, its table refresh
        await cls._set_state(env, sorted(source_ids), "cancel", notes)

    @public("records")
    @batched
    async def split_order(cls, env: "Env", ids: Any, lines: Any) -> int:
        """Split a bill: the given lines, or part of a line's quantity, go to a new
        open order on the same table. Answers the new order.

        ``lines``: line ids (whole lines), ``[[line_id, qty], ...]`` or
        ``{"<line id>": qty}``. The original keeps at least one line; an order
        with payments cannot be split (the payments would belong to neither).
        """
        checked = check_ids(ids)
        if len(checked) != 1:
            raise UserError("Split one order at a time.")
        (order,) = await cls._open_orders(env, checked, "split")
        order_id = order[0]
        spec = _line_spec(lines)
        Line = env.registry["pos.order.line"]
        Payment = env.registry["pos.payment"]
        current = {row[0]: row[1] for row in await env.cr.rows(
            Line.select(Line.id, Line.qty).where(Line.order_id == order_id))}
        stray = sorted(set(spec) - set(current))
        if stray:
            raise UserError(f"Line {', '.join(map(str, stray))} is not on order {order[1]}.")
        whole: list[int] = []
        partial: dict[int, Decimal] = {}
        for line_id, qty in spec.items():
            available = Decimal(str(current[line_id]))
            if qty is None or qty == available:
                whole.append(line_id)
            elif qty <= 0 or available <= 0 or qty > available:
                raise UserError(f"Cannot split {qty} off line {line_id} of order {order[1]}: it "
                                f"has {available}.")
            else:
                partial[line_id] = qty
        if len(whole) == len(current):
            raise UserError(f"Splitting off every line would leave order {order[1]} empty: "
                            "move the order instead.")
        if await env.cr.first(Payment.select(Payment.id).where(Payment.pos_order_id == order_id)
                              .limit(1)):
            raise UserError(f"Order {order[1]} already has payments: it cannot be split.")
        if order[3]:
            await lock_tables(env, [order[3]])
        new_id = await cls._split_header(env, order_id)
        stamp = now_utc()
        if whole:
            changes = {Line.order_id: new_id, Line.write_uid: env.uid, Line.write_date: stamp}
            await env.cr.run(Line.update(changes).where(Line.id.in_(whole)))
            await env["audit.log"]._log_changes(Line, [
                (line_id, order[4], {"order_id": order_id}, changes) for line_id in whole])
        for line_id, qty in partial.items():
            await cls._split_line(env, line_id, qty, new_id)
        await recompute_totals(env, [order_id, new_id])
        await refresh_table_status(env, [order[3]])
        return new_id

    @classmethod
    async def _split_header(cls, env: "Env", order_id: int) -> int:
        """A new open order copying the header of ``order_id`` (session, table,
        customer...), with its own identity and no guests counted twice."""
        names = [name for name, field in cls._fields.items()
                 if field.is_column and field.copyable and name not in MAGIC_FIELDS
                 and name != "id"]
        (values,) = await env.sudo()["pos.order"].read([order_id], names, load="_classic_write")
        values.pop("id", None)
        values.update({
            # named when paid, as every order (pos.order._mark_paid)
            "name": "/", "uuid": str(uuid.uuid4()), "state": "draft",
            "date_order": now_utc(), "customer_count": 0, "user_id": env.uid,
            "amount_tax": 0, "amount_total": 0, "amount_paid": 0, "amount_return": 0,
        })
        return await env.sudo()["pos.order"].create(values)

    @classmethod
    async def _split_line(cls, env: "Env", line_id: int, qty: Decimal, new_order_id: int) -> None:
        """``qty`` of line ``line_id`` onto a copy of it on the new order."""
        Line = env.registry["pos.order.line"]
        names = [name for name, field in Line._fields.items()
                 if field.copyable and name not in MAGIC_FIELDS and name != "id"
                 and (field.is_column or field.ttype == "many2many")]
        sudo = env.sudo()
        (values,) = await sudo["pos.order.line"].read([line_id], names, load="_classic_write")
        values.pop("id", None)
        remaining = Decimal(str(values["qty"])) - qty
        for name, field in Line._fields.items():
            if name in values and field.ttype == "many2many":
                values[name] = [(6, 0, values[name])]
        old_qty = values["qty"]
        # the dish is as far along in the kitchen as the part left on the original
        (kitchen, company_id) = await env.cr.first(Line.select(
            Line.kitchen_status, Line.company_id).where(Line.id == line_id))
        values.update({"order_id": new_order_id, "qty": qty, "kitchen_status": kitchen})
        await sudo["pos.order.line"].create(values)
        changes = {Line.qty: remaining, Line.write_uid: env.uid, Line.write_date: now_utc()}
        await env.cr.run(Line.update(changes).where(Line.id == line_id))
        await env["audit.log"]._log_changes(Line, [(line_id, company_id, {"qty": old_qty},
                                                    changes)])
