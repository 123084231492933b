"""``/api/v1/orders``: the bills of the caller's restaurant, for the mobile app.

Handlers check the body's types (a 422 naming each bad field in the mobile
format's terms, before any model is called), then call the models' own
methods with the caller's environment: ``create_from_ui`` (an Odoo 16
payload built from the mobile one), ``add_payment``,
``action_pos_order_paid``, ``action_pos_order_cancel``,
``action_pos_order_invoice``, ``set_kitchen_status`` and ``write`` with
x2many commands on ``lines``. Totals, prices, taxes and state rules are the
models'; nothing is computed here.

Choices:

* ``POST /orders`` without ``session_id`` uses the open session of the
  caller's restaurant; with none open it is a 422 whose
  ``field_errors.session_id`` says so (the client can send one, or open one).
  Another restaurant's session is a 422 ``session_id`` too, as an unknown one.
* The ``uuid`` is the idempotency key: an order already recorded with it in
  the restaurant is answered as it is (200, nothing changed, even a draft),
  a new one is 201.
* The model's field errors are renamed to the mobile format: a line's field
  becomes ``lines[i].field`` (``i`` from 0, read from the model's
  "..., line N: ..." message), ``payment_ids`` ``payments``,
  ``customer_count`` ``guests``, ``customer_note`` ``note``.
* ``POST /orders/{id}/status``: ``cancel`` (drafts), ``paid`` (a draft whose
  payments cover the total) and ``invoiced`` (paid or posted, with a customer)
  are the model's actions; ``done`` happens when the session closes and is
  refused (409). ``{"kitchen_status": ...}`` moves the kitchen status.
* Lines change on drafts only: on any other order a 409
  ``INVALID_STATE_TRANSITION`` (the model's own refusal there is a plain 400).
* Another restaurant's order is a 404, as one that does not exist.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from aiohttp import web

from models.base import MAX_ID
from models import security
from models.env import Env
from models.exceptions import InvalidStateTransition, MissingError, ValidationError

from .auth import authenticated, run_as
from .body import is_int, json_object, path_id, raise_field_errors
from .envelope import ok
from .pagination import Listing, date_value, equals_id
from .shapes import many2one, text

ORDER = "pos.order"
LINE = "pos.order.line"
PAYMENT = "pos.payment"
STATUSES = ("draft", "paid", "done", "invoiced", "cancel")
KITCHEN = ("new", "preparing", "ready", "served")

ORDER_FIELDS = ["name", "uuid", "pos_reference", "state", "kitchen_status", "date_order",
                "table_id", "user_id", "partner_id", "amount_tax", "amount_total",
                "amount_paid", "amount_return"]
LINE_FIELDS = ["product_id", "qty", "price_unit", "discount", "price_subtotal",
               "price_subtotal_incl", "kitchen_status", "customer_note"]
PAYMENT_FIELDS = ["payment_method_id", "amount", "payment_date", "is_change"]

#: Model field names -> mobile names in field errors.
RENAMED = {"payment_ids": "payments", "statement_ids": "payments", "customer_count": "guests",
           "pos_session_id": "session_id", "customer_note": "note"}
#: Model fields that belong to one line (a "line N" message names which).
LINE_ERRORS = {"product_id", "qty", "price_unit", "discount", "customer_note", "uuid",
               "refunded_orderline_id"}
_LINE_IN_MESSAGE = re.compile(r", line (\d+): ")


def _until_end_of(day: dt.date) -> list[Any]:
    if day == dt.date.max:      # no order is later than the last day there is
        return []
    return [("date_order", "<", f"{(day + dt.timedelta(days=1)).isoformat()} 00:00:00")]


def _status(raw: str) -> list[Any]:
    if raw.strip() not in STATUSES:
        raise ValueError(f"must be one of {', '.join(STATUSES)}")
    return [("state", "=", raw.strip())]


LISTING = Listing(
    filters={
        "status": _status,
        "table_id": equals_id("table_id"),
        "session_id": equals_id("session_id"),
        "employee": equals_id("user_id"),
        "date_from": lambda raw: [("date_order", ">=", f"{date_value(raw).isoformat()} 00:00:00")],
        "date_to": lambda raw: _until_end_of(date_value(raw)),
    },
    sortable={"date_order": "date_order", "name": "name", "amount_total": "amount_total",
              "id": "id"},
    default_order="date_order desc, id desc",
)


# -- plumbing ---------------------------------------------------------------------------------


def _summary(order: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": order["id"], "name": order["name"], "uuid": text(order["uuid"]),
        "pos_reference": text(order["pos_reference"]), "status": order["state"],
        "kitchen_status": order["kitchen_status"], "date_order": order["date_order"],
        "table": many2one(order["table_id"]), "employee": many2one(order["user_id"]),
        "partner": many2one(order["partner_id"]), "amount_tax": order["amount_tax"],
        "amount_total": order["amount_total"], "amount_paid": order["amount_paid"],
        "amount_return": order["amount_return"],
    }


async def _one(env: Env, order_id: int) -> dict[str, Any]:
    """The order with its lines and payments if the caller's restaurant has it, else 404."""
    if not await env[ORDER].exists([order_id]):
        raise MissingError("Order not found")
    (order,) = await env[ORDER].read([order_id], ORDER_FIELDS + ["lines", "payment_ids"])
    data = _summary(order)
    data["lines"] = [{
        "id": line["id"], "product": many2one(line["product_id"]), "qty": line["qty"],
        "price_unit": line["price_unit"], "discount": line["discount"],
        "subtotal": line["price_subtotal"], "subtotal_incl": line["price_subtotal_incl"],
        "kitchen_status": line["kitchen_status"], "note": text(line["customer_note"]),
    } for line in await env[LINE].read(sorted(order["lines"]), LINE_FIELDS)]
    # kitchen staff may move an order but not read its payments: they get none listed
    payments = await env[PAYMENT].read(sorted(order["payment_ids"]), PAYMENT_FIELDS) \
        if security.has_access(env, env.registry[PAYMENT], security.READ) else []
    data["payments"] = [{
        "id": payment["id"], "method": many2one(payment["payment_method_id"]),
        "amount": payment["amount"], "date": payment["payment_date"],
        "is_change": payment["is_change"],
    } for payment in payments]
    return data


async def _found(env: Env, order_id: int) -> None:
    """404 for an order the caller cannot see (another restaurant's: no existence oracle)."""
    if not await env[ORDER].exists([order_id]):
        raise MissingError("Order not found")


async def _state(env: Env, order_id: int) -> str:
    await _found(env, order_id)
    (order,) = await env[ORDER].read([order_id], ["state"])
    return str(order["state"])


def _mobile_errors(exc: ValidationError, line_prefix: bool = True) -> ValidationError:
    """The model's ValidationError with its field names in the mobile format."""
    if type(exc) is not ValidationError:     # Conflict and other subclasses keep their status
        return exc
    found = _LINE_IN_MESSAGE.search(str(exc))
    errors: dict[str, str] = {}
    for name, message in (exc.field_errors or {}).items():
        mobile = RENAMED.get(name, name)
        if found and line_prefix and name in LINE_ERRORS:
            mobile = f"lines[{int(found.group(1)) - 1}].{mobile}"
        errors[mobile] = message
    return ValidationError(str(exc), field_errors=errors)


# -- body checks (types only: the business rules are the models') -----------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        abs(value) < 1e12


def _id(value: Any) -> bool:
    return is_int(value) and 0 < value <= MAX_ID


def _check_unknown(body: dict[str, Any], known: set[str], prefix: str,
                   errors: dict[str, str]) -> None:
    for name in body:
        if name not in known:
            errors[f"{prefix}{name}"] = "unknown field"


def _line_values(raw: Any, prefix: str, errors: dict[str, str]) -> dict[str, Any]:
    """A mobile line -> the model's line values (what was not sent is left to the model)."""
    if not isinstance(raw, dict):
        errors[prefix.rstrip(".")] = "must be an object"
        return {}
    _check_unknown(raw, {"product_id", "qty", "price_unit", "discount", "note"}, prefix, errors)
    vals: dict[str, Any] = {}
    if "product_id" not in raw or raw["product_id"] is None:
        errors[f"{prefix}product_id"] = "required"
    elif not _id(raw["product_id"]):
        errors[f"{prefix}product_id"] = "must be a positive integer id"
    else:
        vals["product_id"] = raw["product_id"]
    for name in ("qty", "price_unit", "discount"):
        if raw.get(name) is None:
            continue
        if not _is_number(raw[name]):
            errors[f"{prefix}{name}"] = "must be a number"
        else:
            vals[name] = raw[name]
    if raw.get("note") is not None:
        if not isinstance(raw["note"], str):
            errors[f"{prefix}note"] = "must be a string"
        else:
            vals["customer_note"] = raw["note"]
    return vals


def _payments(raw: Any, errors: dict[str, str], required: bool) -> list[dict[str, Any]]:
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        errors["payments"] = "must be a non-empty list" if required else "must be a list"
        return []
    result = []
    for index, payment in enumerate(raw):
        prefix = f"payments[{index}]."
        if not isinstance(payment, dict):
            errors[f"payments[{index}]"] = "must be an object"
            continue
        _check_unknown(payment, {"payment_method_id", "amount"}, prefix, errors)
        if not _id(payment.get("payment_method_id")):
            errors[f"{prefix}payment_method_id"] = "required" if payment.get(
                "payment_method_id") is None else "must be a positive integer id"
        if not _is_number(payment.get("amount")):
            errors[f"{prefix}amount"] = "required" if payment.get("amount") is None \
                else "must be a number"
        result.append({"payment_method_id": payment.get("payment_method_id"),
                       "amount": payment.get("amount")})
    return result


def _new_order(body: dict[str, Any]) -> dict[str, Any]:
    """The checked mobile order: its parts, typed."""
    errors: dict[str, str] = {}
    _check_unknown(body, {"uuid", "session_id", "table_id", "partner_id", "guests", "note",
                          "lines", "payments", "pay"}, "", errors)
    uuid = body.get("uuid")
    if uuid is None or uuid == "":
        errors["uuid"] = "required"
    elif not isinstance(uuid, str) or not uuid.strip() or len(uuid) > 128:
        errors["uuid"] = "must be a non-empty string of at most 128 characters"
    for name in ("session_id", "table_id", "partner_id"):
        if body.get(name) is not None and not _id(body[name]):
            errors[name] = "must be a positive integer id"
    guests = body.get("guests")
    if guests is not None and not (is_int(guests) and 0 <= guests < 10000):
        errors["guests"] = "must be an integer from 0 to 9999"
    if body.get("note") is not None and not isinstance(body["note"], str):
        errors["note"] = "must be a string"
    if "pay" in body and not isinstance(body["pay"], bool):
        errors["pay"] = "must be a boolean"
    raw_lines = body.get("lines")
    lines: list[dict[str, Any]] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        errors["lines"] = "required" if raw_lines is None else "must be a non-empty list"
    else:
        lines = [_line_values(raw, f"lines[{index}].", errors)
                 for index, raw in enumerate(raw_lines)]
    payments = _payments(body.get("payments"), errors, required=False)
    raise_field_errors(errors, "order")
    return {"uuid": uuid.strip(), "lines": lines, "payments": payments,   # type: ignore[union-attr]
            "pay": bool(body.get("pay", False))}


# -- reading ----------------------------------------------------------------------------------

async def list_orders(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    wanted = LISTING.parse(request.query)

    async def fetch(env: Env) -> tuple[list[dict[str, Any]], int]:
        records, total = await wanted.read(env[ORDER], ORDER_FIELDS)
        return [_summary(r) for r in records], total

    data, total = await run_as(request, caller, fetch)
    return ok(data, meta={"pagination": wanted.page.meta(total)})  # type: ignore[union-attr]


async def get_order(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    return ok(await run_as(request, caller, lambda env: _one(env, order_id)))


# -- creating ---------------------------------------------------------------------------------

async def create_order(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    body = await json_object(request)
    order = _new_order(body)

    async def create(env: Env) -> tuple[dict[str, Any], bool]:
        found = await env[ORDER].search([("uuid", "=", order["uuid"])], limit=1)
        if found:
            return await _one(env, found[0]), False
        session_id = body.get("session_id")
        if session_id is None:
            sessions = await env["pos.session"].search([("state", "=", "opened")], limit=1,
                                                       order="id asc")
            if not sessions:
                raise ValidationError("No session is open in this restaurant.", field_errors={
                    "session_id": "no open session: open one, or send session_id"})
            session_id = sessions[0]
        elif not await env["pos.session"].exists([session_id]):
            # another restaurant's session is unknown here, as one that does not exist
            raise ValidationError(f"Session {session_id} does not exist.",
                                  field_errors={"session_id": "Session does not exist"})
        partner_id = body.get("partner_id")
        if partner_id is not None and not await env["res.partner"].exists([partner_id]):
            # a till's offline queue drops a customer deleted meanwhile (as Odoo does);
            # a phone online is told (another restaurant's customer: the same answer)
            raise ValidationError(f"Customer {partner_id} does not exist.",
                                  field_errors={"partner_id": "Customer does not exist"})
        data: dict[str, Any] = {
            "uid": order["uuid"], "pos_session_id": session_id,
            "creation_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "lines": [[0, 0, line] for line in order["lines"]],
            "statement_ids": [[0, 0, payment] for payment in order["payments"]],
        }
        for key, model_key in (("table_id", "table_id"), ("partner_id", "partner_id"),
                               ("guests", "customer_count"), ("note", "note")):
            if body.get(key) is not None:
                data[model_key] = body[key]
        try:
            (created,) = await env[ORDER].create_from_ui([{"id": order["uuid"], "data": data}],
                                                         draft=not order["pay"])
        except ValidationError as exc:
            raise _mobile_errors(exc) from exc
        return await _one(env, created["id"]), True

    data, created = await run_as(request, caller, create, readonly=False)
    if created:
        return ok(data, message="Order created", status=201)
    return ok(data, message="Order already recorded")


# -- paying and moving ------------------------------------------------------------------------

async def pay_order(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    body = await json_object(request)
    errors: dict[str, str] = {}
    _check_unknown(body, {"payments"}, "", errors)
    payments = _payments(body.get("payments"), errors, required=True)
    raise_field_errors(errors, "payment")

    async def pay(env: Env) -> dict[str, Any]:
        orders = env[ORDER]
        if await _state(env, order_id) != "draft":
            await orders.action_pos_order_paid([order_id])   # the model's refusal (409)
        try:
            for payment in payments:
                await orders.add_payment([order_id], payment)
            await orders.action_pos_order_paid([order_id])
        except ValidationError as exc:
            raise _mobile_errors(exc, line_prefix=False) from exc
        return await _one(env, order_id)

    return ok(await run_as(request, caller, pay, readonly=False), message="Order paid")


async def refund_order(request: web.Request) -> web.Response:
    """A refund of a sold order (``pos.order.make_refund``: all that is left, or the
    ``lines`` named), paid back with ``payments`` (negative amounts) or left a draft to
    pay; the same ``uuid`` again answers the same refund."""
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    body = await json_object(request)
    errors: dict[str, str] = {}
    _check_unknown(body, {"uuid", "lines", "payments"}, "", errors)
    uuid = body.get("uuid")
    if uuid is None or uuid == "":
        errors["uuid"] = "required"
    elif not isinstance(uuid, str) or not uuid.strip() or len(uuid) > 128:
        errors["uuid"] = "must be a non-empty string of at most 128 characters"
    payments = _payments(body.get("payments"), errors, required=False)
    raise_field_errors(errors, "refund")

    async def refund(env: Env) -> tuple[dict[str, Any], bool]:
        found = await env[ORDER].search([("uuid", "=", uuid)], limit=1)
        if found:
            return await _one(env, found[0]), False
        await _found(env, order_id)     # another restaurant's: 404
        try:
            refund_id = await env[ORDER].make_refund(order_id, body.get("lines"), uuid)
            for payment in payments:
                await env[ORDER].add_payment([refund_id], payment)
            if payments:
                await env[ORDER].action_pos_order_paid([refund_id])
        except ValidationError as exc:
            raise _mobile_errors(exc, line_prefix=False) from exc
        return await _one(env, refund_id), True

    data, created = await run_as(request, caller, refund, readonly=False)
    if created:
        return ok(data, message="Refund recorded", status=201)
    return ok(data, message="Refund already recorded")


#: ``status`` -> the model's action; ``done`` is the session's closing, not a client's.
ACTIONS = {"cancel": "action_pos_order_cancel", "paid": "action_pos_order_paid",
           "invoiced": "action_pos_order_invoice"}


async def set_status(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    body = await json_object(request)
    errors: dict[str, str] = {}
    _check_unknown(body, {"status", "kitchen_status"}, "", errors)
    status, kitchen = body.get("status"), body.get("kitchen_status")
    if (status is None) == (kitchen is None):
        errors["status"] = "send either status or kitchen_status"
    elif status is not None and status not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    elif kitchen is not None and kitchen not in KITCHEN:
        errors["kitchen_status"] = f"must be one of {', '.join(KITCHEN)}"
    raise_field_errors(errors, "status change")

    async def move(env: Env) -> dict[str, Any]:
        current = await _state(env, order_id)
        orders = env[ORDER]
        if kitchen is not None:
            await orders.set_kitchen_status([order_id], kitchen)
        elif status in ACTIONS:
            try:
                await getattr(orders, ACTIONS[status])([order_id])
            except ValidationError as exc:
                raise _mobile_errors(exc, line_prefix=False) from exc
        else:
            allowed = ", ".join(ACTIONS)
            raise InvalidStateTransition(
                f"Cannot set the order to '{status}' (it is '{current}'): a client may set "
                f"{allowed}; an order is posted (done) when its session closes.")
        return await _one(env, order_id)

    return ok(await run_as(request, caller, move, readonly=False), message="Order updated")


# -- lines of a draft -------------------------------------------------------------------------

async def add_line(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    body = await json_object(request)
    errors: dict[str, str] = {}
    vals = _line_values(body, "", errors)
    raise_field_errors(errors, "line")

    async def add(env: Env) -> dict[str, Any]:
        await _found(env, order_id)
        try:                        # a paid order refuses: 409 INVALID_STATE_TRANSITION
            await env[ORDER].write([order_id], {"lines": [(0, 0, vals)]})
        except ValidationError as exc:
            raise _mobile_errors(exc, line_prefix=False) from exc
        return await _one(env, order_id)

    return ok(await run_as(request, caller, add, readonly=False), message="Line added",
              status=201)


async def remove_line(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    line_id = path_id(request, "Line", "line_id")

    async def remove(env: Env) -> dict[str, Any]:
        await _found(env, order_id)
        await env[ORDER].write([order_id], {"lines": [(2, line_id, 0)]})
        return await _one(env, order_id)

    return ok(await run_as(request, caller, remove, readonly=False), message="Line removed")
