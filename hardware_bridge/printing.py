"""What the fronts ask of the bridge: print an order, its kitchen tickets, text or
a picture, kick the drawer, resolve a scanned code.

One place for both fronts (REST ``/api/v1/hardware/*`` and the IoT-box routes),
as the models are one place for orders: each function runs in the caller's
unit of work with the caller's environment, so the record rules decide which
orders and printers they reach, renders the bytes (hardware_bridge/render*),
stores the job (``hw.print.job._enqueue``) and asks the bridge to wake its
worker once the unit commits. Nothing is sent here: a job is a row first.
Rasterising a logo or a receipt picture takes milliseconds to tens of them, so
the rendering runs in a worker thread, off the event loop.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import orjson

from models import reports, security
from models.env import Env
from models.exceptions import AccessError, MissingError, ValidationError
from models.receipt_data import receipt_data

from . import barcodes
from .bridge import Bridge
from .kitchen import UNROUTED, kitchen_escpos, route_lines, ticket_delta
from .receipt import Receipt, ReceiptDataError
from .render import template_for, to_escpos
from .render_escpos import raster_escpos, text_escpos
from .render_text import paper
from .template import TemplateError

#: Kitchen printer roles (a receipt or label printer gets no kitchen tickets).
KITCHEN_ROLES = ("kitchen", "bar")


def _staff(env: Env, what: str) -> None:
    """Till actions (drawer, free text, test pages) are for point-of-sale users."""
    if not env.su and not env.user.has_group(security.POS_USER):
        raise AccessError(f"Only point-of-sale users may {what}.")


async def default_printer_id(env: Env, role: str = "receipt") -> int | None:
    """The first active printer of ``role`` of the caller's restaurant (Odoo's IoT box:
    its first printer); without a current restaurant (the standalone bridge, whose
    database is its own), the first it has."""
    domain: list[Any] = [("role", "=", role)]
    if env.company_id:
        domain.append(("company_id", "=", env.company_id))
    found = await env["hw.printer"].search(domain, limit=1, order="id")
    return found[0] if found else None


async def printer_of(env: Env, printer_id: Any = None, role: str = "receipt") -> dict[str, Any]:
    """The printer asked for, or the caller's restaurant's first active one of ``role``."""
    if printer_id is None:
        printer_id = await default_printer_id(env, role)
        if printer_id is None:
            raise MissingError(f"No active {role} printer is configured for this restaurant.")
    elif isinstance(printer_id, bool) or not isinstance(printer_id, int) or printer_id <= 0:
        raise ValidationError("printer_id must be a positive integer",
                              field_errors={"printer_id": "a positive integer"})
    found = await env["hw.printer"].search_read(
        [("id", "=", printer_id)],
        ["name", "paper_width", "codepage", "role", "company_id", "drawer_pin", "status"],
        load=None)
    if not found:
        raise MissingError(f"Printer {printer_id} does not exist or is not yours.")
    return found[0]


async def _enqueue(env: Env, bridge: Bridge | None, printer: dict[str, Any], payload: bytes,
                   kind: str, **extra: Any) -> int:
    job_id = await env["hw.print.job"]._enqueue(printer["id"], payload, kind=kind, **extra)
    if bridge is not None:
        bridge.after_enqueue(env.cr, printer["id"])
    return job_id


async def order_receipt(env: Env, order_id: int) -> Receipt:
    """The order's receipt as the caller may read it."""
    try:
        return Receipt.from_data(await receipt_data(env, order_id))
    except ReceiptDataError as exc:
        raise ValidationError(f"This order cannot be printed: {exc}") from None


def _template(template: Any, kind: str) -> Any:
    if template is None:
        return None
    if not isinstance(template, str) or not template.strip():
        raise ValidationError("template must be a non-empty string",
                              field_errors={"template": "a non-empty string"})
    try:
        return template_for(template, kind)
    except TemplateError as exc:
        raise ValidationError(f"Template error: {exc}", field_errors={"template": str(exc)}
                              ) from None


async def _company_of(env: Env, order_id: int) -> int:
    (order,) = await env["pos.order"].read([order_id], ["company_id"], load=None)
    return order["company_id"]


async def _stored_template(env: Env, company_id: int, kind: str) -> Any:
    """The restaurant's own template of ``kind`` (checked when it was saved), or None."""
    field = f"{kind}_template"
    (company,) = await env.sudo()["res.company"].read([company_id], [field])
    return template_for(company[field], kind) if company[field] else None


async def print_order(env: Env, bridge: Bridge | None, order_id: int, printer_id: Any = None,
                      template: Any = None) -> int:
    """The order's receipt as a job on a receipt printer; the job's id. ``template``
    overrides the restaurant's own for this print."""
    compiled = _template(template, "receipt")
    receipt = await order_receipt(env, order_id)
    if compiled is None:
        compiled = await _stored_template(env, await _company_of(env, order_id), "receipt")
    printer = await printer_of(env, printer_id)
    payload = await asyncio.to_thread(to_escpos, receipt, printer["paper_width"],
                                      printer["codepage"], compiled)
    return await _enqueue(env, bridge, printer, payload, "receipt", order_id=order_id,
                          role=printer["role"])


async def _last_snapshot(env: Env, order_id: int, printer_id: int) -> dict[str, float]:
    """What the last kitchen ticket of this order on this printer held (cancelled jobs
    printed nothing)."""
    Job = env.registry["hw.print.job"]
    row = await env.cr.first(
        Job.select(Job.snapshot)
        .where((Job.order_id == order_id) & (Job.printer_id == printer_id)
               & (Job.kind == "kitchen") & (Job.state != "cancelled"))
        .order_by(Job.id.desc()).limit(1))
    if row is None or not row[0]:
        return {}
    return {str(key): float(qty) for key, qty in orjson.loads(row[0]).items()}


async def print_kitchen(env: Env, bridge: Bridge | None, order_id: int) -> list[int]:
    """A ticket per kitchen printer with what is new on the order since its last one
    (new lines, more, fewer or removed); the ids of the jobs stored (none: nothing new)."""
    receipt = await order_receipt(env, order_id)
    company_id = await _company_of(env, order_id)
    template = await _stored_template(env, company_id, "kitchen")
    printers = await env["hw.printer"].search_read(
        [("role", "in", list(KITCHEN_ROLES)), ("company_id", "=", company_id)],
        ["name", "paper_width", "codepage", "role", "pos_category_ids"], order="id", load=None)
    if not printers:
        raise MissingError("No active kitchen printer is configured for this restaurant.")
    routes = {str(p["id"]): await _with_children(env, p["pos_category_ids"]) for p in printers}
    routed = route_lines(receipt.lines, routes)
    routed.pop(UNROUTED, None)
    zone = (await reports.company_zones(env, [company_id]))[company_id]
    now = dt.datetime.now(zone).strftime("%H:%M")       # when the kitchen got it, locally
    jobs = []
    for printer in printers:
        lines = routed.get(str(printer["id"]), [])
        previous = await _last_snapshot(env, order_id, printer["id"])
        changes, snapshot = ticket_delta(previous, lines)
        if not changes:
            continue
        payload = await asyncio.to_thread(
            kitchen_escpos, receipt, printer["role"], changes, time=now,
            width_mm=printer["paper_width"], codepage=printer["codepage"], template=template)
        jobs.append(await _enqueue(env, bridge, printer, payload, "kitchen", order_id=order_id,
                                   role=printer["role"], snapshot=snapshot))
    return jobs


async def _with_children(env: Env, category_ids: list[int]) -> list[int]:
    """A printer set to a category also takes its sub-categories, as Odoo's order
    printers do (``child_of``)."""
    if not category_ids:
        return []
    return await env.sudo()["pos.category"].search([("id", "child_of", category_ids)])


async def print_text(env: Env, bridge: Bridge | None, text: Any, printer_id: Any = None) -> int:
    _staff(env, "print free text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text must be a non-empty string",
                              field_errors={"text": "a non-empty string"})
    if len(text) > 20_000:
        raise ValidationError("text is at most 20,000 characters",
                              field_errors={"text": "at most 20,000 characters"})
    printer = await printer_of(env, printer_id)
    payload = text_escpos(text, paper(printer["paper_width"]), printer["codepage"])
    return await _enqueue(env, bridge, printer, payload, "raw")


async def print_image(env: Env, bridge: Bridge | None, image: bytes,
                      printer_id: Any = None) -> int:
    """A receipt the POS drew itself (Odoo's IoT ``print_receipt``: a JPEG)."""
    printer = await printer_of(env, printer_id)
    try:
        payload = await asyncio.to_thread(raster_escpos, image, paper(printer["paper_width"]),
                                          printer["codepage"])
    except (OSError, ValueError) as exc:    # not a PNG/JPEG, truncated, too large
        raise ValidationError(f"The receipt image cannot be printed: {exc}",
                              field_errors={"receipt": "a PNG or JPEG image"}) from None
    return await _enqueue(env, bridge, printer, payload, "receipt")


async def test_page(env: Env, bridge: Bridge | None, printer_id: Any = None) -> int:
    _staff(env, "print a test page")
    printer = await printer_of(env, printer_id)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = (f"TEST PAGE\n{printer['name']}\n{printer['paper_width']} mm, "
            f"{printer['codepage']}\n{stamp}\n")
    payload = text_escpos(text, paper(printer["paper_width"]), printer["codepage"])
    return await _enqueue(env, bridge, printer, payload, "test")


async def open_drawer(env: Env, bridge: Bridge | None, printer_id: Any = None) -> int:
    """The cash drawer's kick, as a job on the receipt printer it hangs from."""
    _staff(env, "open the cash drawer")
    printer = await printer_of(env, printer_id)
    job_id = await env["hw.print.job"]._enqueue_drawer_kick(printer["id"])
    if bridge is not None:
        bridge.after_enqueue(env.cr, printer["id"])
    return job_id


async def scan(env: Env, code: Any) -> dict[str, Any]:
    """A scanned code: its kind, whether its check digit holds, the embedded weight or
    price, and the product it names in the caller's restaurant (or None)."""
    if not isinstance(code, str) or not code.strip() or len(code) > 128:
        raise ValidationError("code must be a scanned code of at most 128 characters",
                              field_errors={"code": "required"})
    parsed = barcodes.parse(code.strip())
    product = None
    if parsed.valid:
        found = await env["product.product"].search_read(
            [("barcode", "in", list(dict.fromkeys([parsed.code, parsed.base_code]))),
             ("available_in_pos", "=", True)],
            ["name", "barcode", "list_price", "pos_categ_ids"], limit=1, load=None)
        product = found[0] if found else None
    value = parsed.value
    return {"code": parsed.code, "kind": parsed.kind, "valid": parsed.valid,
            "reason": parsed.reason or None, "base_code": parsed.base_code,
            "value": float(value) if isinstance(value, Decimal) else value,
            "product": product}
