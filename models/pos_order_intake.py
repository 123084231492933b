"""Orders as a point of sale sends them: ``create_from_ui`` (Odoo 16/17), ``sync_from_ui`` (18).

The client's order uid is the idempotency key: the database holds one
order per (restaurant, uuid) under a unique index, so an order sent again,
even twice at the same moment by two tabs or two workers, is the same
order. A recorded draft is updated by a resend (its lines matched by their
client uuid, so dishes already cooking keep their kitchen status); any other
state is final and a resend changes nothing. Every order is answered, also
one recorded by an earlier call: Odoo leaves those out, and a POS whose
first call timed out then resends them forever.

What the payloads carry, per version:

* 16: ``{"id": uid, "data": {name, uid, pos_session_id, creation_date,
  lines: [[0, 0, vals]], statement_ids: [[0, 0, vals]], ...}}``;
* 17: the same with ``date_order`` (and a ``uuid`` per line);
* 18: ``pos.order`` records: ``uuid``, ``session_id``, ``state`` (draft or
  paid), ``lines``/``payment_ids`` as x2many commands, of which an update
  (``[1, id, changes]``) carries only what changed.

Amounts a client computed (``amount_*``, ``price_subtotal*``) are ignored;
totals are recomputed (models/pos_taxes.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import fields as F
from . import payment_events, security
from .api import public
from .audit import batched
from .base import now_utc
from .business_hours import check_open_for_orders
from .exceptions import ConcurrencyError, MissingError, ValidationError
from .pos_till import Till
from .restaurant import refresh_table_status

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env
    from .pos_order import CleanLine


class PosOrderIntakeMixin:
    """The intake methods of :class:`models.pos_order.PosOrder`."""

    @public("model")
    @batched
    async def create_from_ui(cls, env: "Env", orders: Any, draft: Any = False) -> list[dict]:
        """Record the orders a point of sale sends (Odoo 16 and 17 payload).

        Each element is ``{"id": uid, "data": {...}}``. A uid already recorded
        in the restaurant is the same order: a draft is updated (its lines and
        payments replaced), anything else is left as it is. Every order is
        answered, also one sent before (Odoo 16 and 17 leave those out of the
        answer, which makes a POS that timed out resend them forever).
        Answers ``[{id, pos_reference, account_move}]``.
        """
        security.check_access(env, cls, security.CREATE)
        if not isinstance(orders, (list, tuple)):
            raise ValueError(f"Invalid orders {orders!r}: expected a list")
        draft = bool(draft)
        ids = []
        for position, entry in enumerate(orders):
            intake = Intake.from_ui(entry, position, draft)
            ids.append(await cls._intake(env, intake))
        ids = list(dict.fromkeys(ids))
        rows = {row[0]: row[1] for row in await env.cr.rows(
            cls.select(cls.id, cls.pos_reference).where(cls.id.in_(ids)))}
        return [{"id": order_id, "pos_reference": rows.get(order_id) or False,
                 "account_move": False} for order_id in ids]

    @public("model")
    @batched
    async def sync_from_ui(cls, env: "Env", orders: Any) -> dict[str, list[dict]]:
        """Record the orders an Odoo 18 point of sale sends (uuid-keyed records).

        Each element is a ``pos.order`` record: ``uuid``, ``name``,
        ``session_id``, ``state`` (``draft`` saves it unpaid), ``lines`` and
        ``payment_ids`` as x2many commands. Answers the orders, their lines
        and payments in Odoo 18's data format (records as ``read`` gives them
        with ``load=False``), including orders recorded by an earlier call.
        """
        security.check_access(env, cls, security.CREATE)
        if not isinstance(orders, (list, tuple)):
            raise ValueError(f"Invalid orders {orders!r}: expected a list")
        ids = []
        for position, entry in enumerate(orders):
            ids.append(await cls._intake(env, Intake.from_sync(entry, position)))
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {"pos.order": [], "pos.session": [], "pos.payment": [], "pos.order.line": [],
                    "pos.pack.operation.lot": [], "product.attribute.custom.value": []}
        records = await env["pos.order"].read(ids, None, load=False)
        line_ids = [line for record in records for line in record["lines"]]
        payment_ids = [payment for record in records for payment in record["payment_ids"]]
        return {
            "pos.order": records,
            "pos.session": [],
            "pos.payment": await env["pos.payment"].read(payment_ids, None, load=False)
            if payment_ids else [],
            "pos.order.line": await env["pos.order.line"].read(line_ids, None, load=False)
            if line_ids else [],
            "pos.pack.operation.lot": [],
            "product.attribute.custom.value": [],
        }

    @classmethod
    @batched
    async def _intake(cls, env: "Env", intake: "Intake") -> int:
        """One order from a point of sale: found by uuid, or created; then paid.

        One audit batch: a new order is logged once, as it ends (lines, totals,
        payment and state included), a resent draft once with all it changed.
        """
        Line, Payment = env.registry["pos.order.line"], env.registry["pos.payment"]
        till = await Till.load(env, intake.session_id, field="session_id", reroute=True)
        existing = await env.cr.first(cls.select(cls.id, cls.state).where(
            (cls.company_id == till.company_id) & (cls.uuid == intake.uuid)))
        if existing is not None and existing[1] != "draft":
            return existing[0]       # recorded and closed: a resend changes nothing
        if existing is None:
            await check_open_for_orders(env, till.company_id)
        header = await intake.header(env, till)
        replaced: dict[str, Any] = {}
        if existing is not None and intake.replace_lines:
            replaced["order_id"] = existing[0]      # all its lines are being replaced
        elif existing is not None:
            replaced["exclude_lines"] = await intake.touched_lines(env, existing[0])
        lines = await Line._clean(
            env, till, await intake.line_values(env, existing[0] if existing else None),
            intake.label, **replaced)
        # a resent draft's payments refused: a failed payment (models/payment_events.py)
        with payment_events.refusing(env, [existing[0]] if existing else [], [
                (p.get("payment_method_id"), p.get("amount"))
                for p in intake.payment_values() if isinstance(p, dict)]):
            payments = await Payment._clean(env, till, intake.payment_values(), intake.label)
        if existing is None:
            order_id = await cls._insert_header(env, till, intake, header)
            await cls._notify_created(env, [order_id])
            await Line._insert(env, order_id, till, lines)
            await Payment._insert(env, order_id, till, payments)
            if intake.draft:        # a paid order is totalled once, by _mark_paid below
                await cls._recompute_amounts(env, [order_id])
            await cls._refresh_kitchen_status(env, [order_id], notify=False)
            if header.get("table_id"):
                await refresh_table_status(env, [header["table_id"]])
        else:
            order_id = existing[0]
            await cls._update_draft(env, order_id, till, intake, header, lines, payments)
        await Line._update_refunded_qty(
            env, [line.refunded_orderline_id for line in lines if line.refunded_orderline_id])
        await cls._link_refunded_order(env, [order_id])
        if not intake.draft:
            await cls._mark_paid(env, [order_id], till)
            if intake.to_invoice:
                await cls._invoice(env, [order_id])
        return order_id

    @classmethod
    async def _insert_header(cls, env: "Env", till: "Till", intake: "Intake",
                             header: dict[str, Any]) -> int:
        """INSERT the order, or nothing if its (restaurant, uuid) exists.

        On PostgreSQL, a row committed by a concurrent transaction after this
        one's snapshot makes the insert fail with a serialization error (the
        unit is retried and then finds the order); on SQLite write units
        never overlap. An empty answer therefore means the order appeared in
        this very transaction's view: retrying is the safe answer there too.
        """
        stamp = now_utc()
        columns = {
            cls.name: "/", cls.state: "draft", cls.uuid: intake.uuid,
            cls.pos_reference: intake.pos_reference, cls.company_id: till.company_id,
            cls.session_id: till.session_id, cls.config_id: till.config_id,
            cls.currency_id: till.currency_id, cls.user_id: env.uid,
            cls.amount_tax: 0, cls.amount_total: 0, cls.amount_paid: 0, cls.amount_return: 0,
            cls.kitchen_status: "new", cls.to_invoice: False, cls.sequence_number: 1,
            cls.customer_count: 0,
            cls.create_uid: env.uid, cls.write_uid: env.uid, cls.create_date: stamp,
            cls.write_date: stamp,
        }
        columns.update({cls._fields[name]: value for name, value in header.items()})
        ids = await env.cr.insert(cls.insert(columns).on_conflict_ignore().returning(cls.id))
        if not ids:
            raise ConcurrencyError(f"pos.order uuid {intake.uuid!r} recorded concurrently")
        await env["audit.log"]._log_created(cls, [(ids[0], columns)])
        return ids[0]

    @classmethod
    async def _update_draft(cls, env: "Env", order_id: int, till: "Till", intake: "Intake",
                            header: dict[str, Any], lines: list["CleanLine"],
                            payments: list[dict[str, Any]]) -> None:
        """A draft sent again: new header values, lines and payments as now sent.

        Lines are matched by their client uuid, so a dish already cooking
        keeps its kitchen status; Odoo 18 commands that update or delete a
        line by id are applied as such.
        """
        Line, Payment = env.registry["pos.order.line"], env.registry["pos.payment"]
        (old_table, company_id, *before) = await env.cr.first(cls.select(
            cls.table_id, cls.company_id, *(cls._fields[k] for k in header))
            .where(cls.id == order_id))
        if header:
            changes = {**{cls._fields[k]: v for k, v in header.items()},
                       cls.write_uid: env.uid, cls.write_date: now_utc()}
            await env.cr.run(cls.update(changes).where(cls.id == order_id))
            await env["audit.log"]._log_changes(cls, [(order_id, company_id,
                                                       dict(zip(header, before)), changes)])
        existing = {row[1]: row[0] for row in await env.cr.rows(
            Line.select(Line.id, Line.uuid)
            .where(Line.order_id == order_id)) if row[1]}
        all_lines = [row[0] for row in await env.cr.rows(
            Line.select(Line.id).where(Line.order_id == order_id))]
        keep: set[int] = set()
        new_lines: list[CleanLine] = []
        for line in lines:
            if line.line_id is not None and line.line_id not in all_lines:
                raise MissingError("Record does not exist or has been deleted.\n"
                                   f"(Record: pos.order.line({line.line_id},), User: {env.uid})")
            target = line.line_id or existing.get(line.uuid or "")
            if target is not None and target in all_lines:
                await Line._rewrite(env, target, line)
                keep.add(target)
            else:
                new_lines.append(line)
        if intake.replace_lines:
            gone = [i for i in all_lines if i not in keep]
        else:
            gone = [i for i in intake.deleted_lines if i in all_lines]
        refunded = await Line._refunded_lines_of(env, [order_id], gone)
        if gone:
            await Line._delete(env, gone)
        inserted = await Line._insert(env, order_id, till, new_lines)
        await Line._update_refunded_qty(env, refunded)
        Log = env["audit.log"]
        if intake.replace_payments:
            if await Log._log_deleted(Payment, Payment.pos_order_id == order_id):
                await env.cr.run(Payment.delete().where(Payment.pos_order_id == order_id))
        else:
            if intake.deleted_payments:
                deleted = await Log._log_deleted(Payment, (Payment.pos_order_id == order_id)
                                                 & Payment.id.in_(intake.deleted_payments))
                if deleted:
                    await env.cr.run(Payment.delete().where(Payment.id.in_(deleted)))
            recorded = {row[0] for row in await env.cr.rows(Payment.select(Payment.uuid).where(
                (Payment.pos_order_id == order_id) & Payment.uuid.is_null(False)))}
            payments = [p for p in payments if not p["uuid"] or p["uuid"] not in recorded]
        await Payment._insert(env, order_id, till, payments)
        await cls._recompute_amounts(env, [order_id])
        for line_id in inserted:
            await Line._notify_kitchen(env, [line_id], None, "new")
        await cls._refresh_kitchen_status(env, [order_id])
        await refresh_table_status(env, [t for t in (old_table, header.get("table_id")) if t])


@dataclass
class Intake:
    """One order as a point of sale sent it, whatever the Odoo version."""

    uuid: str
    pos_reference: str | None
    session_id: Any
    draft: bool
    data: dict[str, Any]
    label: str
    lines: list[Any] = field(default_factory=list)
    payments: list[Any] = field(default_factory=list)
    replace_lines: bool = True
    replace_payments: bool = True
    deleted_lines: list[int] = field(default_factory=list)
    deleted_payments: list[int] = field(default_factory=list)
    to_invoice: bool = False

    @classmethod
    def from_ui(cls, entry: Any, position: int, draft: bool) -> "Intake":
        """``{"id": uid, "data": {...}, "to_invoice": bool}`` (Odoo 16 and 17)."""
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
            raise ValueError(f"Invalid order {position + 1}: expected {{'id': uid, 'data': {{...}}}}")
        data = entry["data"]
        uid = data.get("uid") or entry.get("id")
        intake = cls._common(data, uid, data.get("pos_session_id", data.get("session_id")),
                             draft, position)
        intake.to_invoice = bool(entry.get("to_invoice") or data.get("to_invoice"))
        intake.lines = _creations(data.get("lines"), "lines")
        intake.payments = _creations(data.get("statement_ids", data.get("payment_ids")),
                                     "statement_ids")
        return intake

    @classmethod
    def from_sync(cls, entry: Any, position: int) -> "Intake":
        """A ``pos.order`` record with x2many commands (Odoo 18)."""
        if not isinstance(entry, dict):
            raise ValueError(f"Invalid order {position + 1}: expected a pos.order record")
        draft = entry.get("state", "draft") == "draft"
        intake = cls._common(entry, entry.get("uuid"), entry.get("session_id"), draft, position)
        intake.to_invoice = bool(entry.get("to_invoice"))
        intake.replace_lines = intake.replace_payments = False
        for code, record_id, values in _commands(entry.get("lines"), "lines"):
            if code == 0:
                intake.lines.append(values)
            elif code == 1:
                intake.lines.append(dict(values, __line_id=record_id))
            else:
                intake.deleted_lines.append(record_id)
        for code, record_id, values in _commands(entry.get("payment_ids"), "payment_ids"):
            if code == 0:
                intake.payments.append(values)
            elif code in (2, 3):
                intake.deleted_payments.append(record_id)
        return intake

    @classmethod
    def _common(cls, data: dict[str, Any], uid: Any, session_id: Any, draft: bool,
                position: int) -> "Intake":
        if not isinstance(uid, str) or not uid.strip() or len(uid) > 128:
            raise ValidationError(f"Order {position + 1}: the order's uid is missing or invalid.",
                                  field_errors={"uuid": "A uid of at most 128 characters is "
                                                        "required"})
        name = data.get("name")
        reference = name if isinstance(name, str) and name else None
        return cls(uuid=uid.strip(), pos_reference=reference, session_id=session_id,
                   draft=draft, data=data, label=f"Order {reference or uid}")

    async def line_values(self, env: "Env", order_id: int | None) -> list[Any]:
        """The lines sent; an Odoo 18 update (``[1, id, changes]``) completed with the
        line's recorded values, since 18 sends only what changed."""
        Line = env.registry["pos.order.line"]
        result = []
        for values in self.lines:
            line_id = values.get("__line_id")
            if line_id is None:
                result.append(values)
                continue
            row = await env.cr.first(Line.select(
                Line.order_id, Line.product_id, Line.qty, Line.price_unit, Line.discount,
                Line.full_product_name, Line.customer_note, Line.refunded_orderline_id,
                Line.uuid, Line.name).where(Line.id == line_id))
            if row is None or row[0] != order_id:
                raise MissingError("Record does not exist or has been deleted.\n"
                                   f"(Record: pos.order.line({line_id},), User: {env.uid})")
            recorded = dict(zip(("product_id", "qty", "price_unit", "discount",
                                 "full_product_name", "customer_note", "refunded_orderline_id",
                                 "uuid", "name"), row[1:]))
            result.append({**recorded, **values})
        return result

    async def touched_lines(self, env: "Env", order_id: int) -> list[int]:
        """Lines of the recorded draft this payload updates or deletes (Odoo 18 commands)."""
        Line = env.registry["pos.order.line"]
        by_uuid = {row[1]: row[0] for row in await env.cr.rows(
            Line.select(Line.id, Line.uuid).where(Line.order_id == order_id)) if row[1]}
        touched = set(self.deleted_lines)
        for values in self.lines:
            if values.get("__line_id"):
                touched.add(values["__line_id"])
            elif isinstance(values.get("uuid"), str) and values["uuid"] in by_uuid:
                touched.add(by_uuid[values["uuid"]])
        return sorted(touched)

    def payment_values(self) -> list[Any]:
        return self.payments

    async def header(self, env: "Env", till: Till) -> dict[str, Any]:
        """The order's own values (customer, table, date, guests, note), checked."""
        data = self.data
        values: dict[str, Any] = {}
        date = data.get("date_order") or data.get("creation_date")
        if date:
            try:
                values["date_order"] = F.normalize_datetime(str(date).replace("T", " ")[:19])
            except ValueError:
                raise ValidationError(f"{self.label}: invalid date {date!r}.",
                                      field_errors={"date_order": "Invalid date"}) from None
        partner_id = data.get("partner_id")
        if isinstance(partner_id, (list, tuple)) and partner_id:
            partner_id = partner_id[0]
        if partner_id and isinstance(partner_id, int) and not isinstance(partner_id, bool):
            Partner = env.registry["res.partner"]
            if not await Partner._visible_ids(env, [partner_id]):
                if await env.cr.first(Partner.select(Partner.id).where(Partner.id == partner_id)):
                    raise ValidationError(f"{self.label}: the customer belongs to another "
                                          "restaurant.",
                                          field_errors={"partner_id": "Record does not exist"})
                partner_id = None          # gone meanwhile: Odoo drops the customer too
                self.to_invoice = False
            values["partner_id"] = partner_id
        elif "partner_id" in data:
            values["partner_id"] = None
        table_id = data.get("table_id")
        if isinstance(table_id, (list, tuple)) and table_id:
            table_id = table_id[0]
        if table_id and isinstance(table_id, int) and not isinstance(table_id, bool):
            Table = env.registry["restaurant.table"]
            row = await env.cr.first(Table.select(Table.company_id).where(Table.id == table_id))
            if row is None or row[0] != till.company_id:
                raise ValidationError(f"{self.label}: table {table_id} is not a table of this "
                                      "restaurant.", field_errors={"table_id": "Unknown table"})
            values["table_id"] = table_id
        elif "table_id" in data:
            values["table_id"] = None
        if "customer_count" in data:
            count = data.get("customer_count") or 0
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count < 10000:
                raise ValidationError(f"{self.label}: invalid number of guests {count!r}.",
                                      field_errors={"customer_count": "Expected a number"})
            values["customer_count"] = count
        for key in ("note", "general_note"):
            if isinstance(data.get(key), str):
                values["note"] = data[key]
        number = data.get("sequence_number")
        if isinstance(number, int) and not isinstance(number, bool) and 0 <= number < 2**31:
            values["sequence_number"] = number
        if self.pos_reference:
            values["pos_reference"] = self.pos_reference
        return values


def _commands(value: Any, name: str) -> list[tuple[int, int, dict[str, Any]]]:
    """x2many commands as Odoo 18 sends them: (code, id, values)."""
    if value in (None, False):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"Invalid {name} {value!r}: expected x2many commands")
    result = []
    for command in value:
        if not isinstance(command, (list, tuple)) or not command:
            raise ValueError(f"Invalid {name} command {command!r}")
        code = command[0]
        record_id = command[1] if len(command) > 1 else 0
        values = command[2] if len(command) > 2 else None
        if code in (0, 1):
            if not isinstance(values, dict):
                raise ValueError(f"Invalid {name} command {command!r}: expected values")
            if code == 1 and (isinstance(record_id, bool) or not isinstance(record_id, int)):
                raise ValueError(f"Invalid {name} command {command!r}: expected a record id")
            result.append((code, record_id if code == 1 else 0, values))
        elif code in (2, 3):
            if isinstance(record_id, bool) or not isinstance(record_id, int):
                raise ValueError(f"Invalid {name} command {command!r}: expected a record id")
            result.append((code, record_id, {}))
        elif code in (4, 5, 6):
            continue            # links and replacements of existing records mean nothing here
        else:
            raise ValueError(f"Invalid {name} command {command!r}")
    return result


def _creations(value: Any, name: str) -> list[dict[str, Any]]:
    """The values of ``[0, 0, vals]`` commands (what Odoo 16/17 send for lines and payments)."""
    return [values for code, _id, values in _commands(value, name) if code in (0, 1)]
