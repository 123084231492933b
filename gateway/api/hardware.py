"""``/api/v1/hardware``: printing, the cash drawer, the scanner, printers and print jobs.

A thin front over ``hardware_bridge/printing.py``, the one place both fronts
(this and the IoT-box routes) print through: each handler checks the shape of
the request, then calls the service in one unit of work as the caller, so the
record rules decide which orders and printers are reached, and the service's
checks (``_staff``, the address policy, templates) come back through the
usual error classes (422 with field errors, 403, 404). Nothing is sent here:
a print answers 202 with the job stored, and the bridge's worker sends it
once the unit commits (``GET /hardware/jobs`` shows how it went).

Printers and their jobs are the caller's current restaurant's: another
restaurant's printer, job or order is a 404, as one that does not exist.
Managers configure printers; ``DELETE`` archives (a printer keeps its jobs'
history). Job bytes never leave the server: a job is listed with its size.
"""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hardware_bridge import printing
from hardware_bridge.bridge import BRIDGE, Bridge
from hardware_bridge.render import to_png, to_text
from hardware_bridge.template import DEFAULT_TEMPLATES
from models import security
from models.base import MAX_ID
from models.env import Env
from models.exceptions import MissingError
from models.hardware import CONNECTIONS, DRAWER_PINS, JOB_STATES, PAPER_WIDTHS, ROLES

from .auth import Caller, authenticated, authenticated_in, run_as
from .body import is_int, json_object, path_id, raise_field_errors
from .envelope import PREFIX, ok
from .pagination import Listing, bool_value, equals_id
from .shapes import text, utc

HW = f"{PREFIX}/hardware"
PRINTER = "hw.printer"
JOB = "hw.print.job"

PRINTER_FIELDS = ["name", "active", "connection", "host", "port", "device", "paper_width",
                  "codepage", "role", "drawer_pin", "pos_category_ids", "status", "last_error",
                  "last_ok_date", "last_check_date"]
JOB_FIELDS = ["printer_id", "state", "kind", "size", "order_id", "role", "attempts",
              "last_error", "next_try_date", "sent_date", "is_copy", "create_date"]
STATES = tuple(code for code, _label in JOB_STATES)
MAX_JOBS = 500
MAX_NAME = 256
MAX_DEVICE = 1024
MAX_TEMPLATE = 20_000


def _bridge(request: web.Request) -> Bridge | None:
    return request.app.get(BRIDGE)


async def _manager(request: web.Request) -> Caller:
    return await authenticated_in(request, security.POS_MANAGER,
                                  "Only managers configure printers.")


def _record_id(value: Any) -> int | None:
    """The id of a many2one as ``read`` gives it (``[id, name]``, an id, or False)."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value if is_int(value) and value else None


def _job(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "printer_id": _record_id(record["printer_id"]),
            "state": record["state"], "kind": record["kind"], "size": record["size"] or 0,
            "order_id": _record_id(record["order_id"]), "role": text(record["role"]),
            "attempts": record["attempts"] or 0, "last_error": text(record["last_error"]),
            "next_try_date": utc(record["next_try_date"]), "sent_date": utc(record["sent_date"]),
            "is_copy": bool(record["is_copy"]), "create_date": utc(record["create_date"])}


async def _jobs(env: Env, job_ids: list[int]) -> list[dict[str, Any]]:
    if not job_ids:
        return []
    records = {r["id"]: r for r in await env[JOB].read(job_ids, JOB_FIELDS, load=None)}
    return [_job(records[job_id]) for job_id in job_ids]


async def _visible_order(env: Env, order_id: int) -> None:
    """Another restaurant's order is not found, as one that does not exist (reading it
    would say 403: the record rules refuse it)."""
    if not await env["pos.order"].exists([order_id]):
        raise MissingError("Order not found")


def _id_field(body: dict[str, Any], name: str, errors: dict[str, str]) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not is_int(value) or not 0 < value <= MAX_ID:
        errors[name] = "must be a positive integer id"
        return None
    return value


def _only(body: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, str]:
    return {name: "unknown field" for name in body if name not in allowed}


async def _accepted(request: web.Request, caller: Caller, work: Any, message: str) -> web.Response:
    """Run ``work(env, bridge) -> job id(s)`` in a writing unit; 202 with the job(s)."""
    bridge = _bridge(request)

    async def unit(env: Env) -> Any:
        made = await work(env, bridge)
        if isinstance(made, list):
            return await _jobs(env, made)
        return (await _jobs(env, [made]))[0]

    data = await run_as(request, caller, unit, readonly=False)
    meta = {"count": len(data)} if isinstance(data, list) else None
    return ok(data, message=message, meta=meta, status=202)


# -- printing ---------------------------------------------------------------------------------

async def print_receipt(request: web.Request) -> web.Response:
    """An order's receipt (with an optional template) or free text, as a job."""
    caller = await authenticated(request)
    body = await json_object(request)
    errors = _only(body, ("order_id", "template", "printer_id", "text"))
    order_id = _id_field(body, "order_id", errors)
    printer_id = _id_field(body, "printer_id", errors)
    content = body.get("text")
    template = body.get("template")
    has_order, has_text = body.get("order_id") is not None, content is not None
    if has_order == has_text:
        for name in ("order_id", "text"):
            errors.setdefault(name, "give exactly one of order_id and text")
    if has_text and (not isinstance(content, str) or not content.strip()):
        errors["text"] = "must be a non-empty string"
    if template is not None:
        if has_text:
            errors["template"] = "only with order_id"
        elif not isinstance(template, str) or not template.strip():
            errors["template"] = "must be a non-empty string"
        elif len(template) > MAX_TEMPLATE:
            errors["template"] = f"at most {MAX_TEMPLATE} characters"
    raise_field_errors(errors, "print request")

    async def work(env: Env, bridge: Bridge | None) -> int:
        if has_text:
            return await printing.print_text(env, bridge, content, printer_id)
        assert order_id is not None
        await _visible_order(env, order_id)
        return await printing.print_order(env, bridge, order_id, printer_id, template)

    return await _accepted(request, caller, work, "Print job queued")


async def kitchen_tickets(request: web.Request) -> web.Response:
    """A ticket per kitchen printer with what is new on the order (none: ``[]``)."""
    caller = await authenticated(request)
    body = await json_object(request)
    errors = _only(body, ("order_id",))
    order_id = _id_field(body, "order_id", errors)
    if order_id is None and "order_id" not in errors:
        errors["order_id"] = "required"
    raise_field_errors(errors, "kitchen ticket request")

    async def work(env: Env, bridge: Bridge | None) -> list[int]:
        assert order_id is not None
        await _visible_order(env, order_id)
        return await printing.print_kitchen(env, bridge, order_id)

    return await _accepted(request, caller, work, "Kitchen tickets queued")


async def open_drawer(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    body = await json_object(request, optional=True)
    errors = _only(body, ("printer_id",))
    printer_id = _id_field(body, "printer_id", errors)
    raise_field_errors(errors, "cash drawer request")

    async def work(env: Env, bridge: Bridge | None) -> int:
        return await printing.open_drawer(env, bridge, printer_id)

    return await _accepted(request, caller, work, "Cash drawer kick queued")


def _code(raw: str) -> list[Any]:
    if not raw.strip():
        raise ValueError("must not be empty")
    if len(raw) > 128:
        raise ValueError("at most 128 characters")
    return [("code", raw)]


SCAN = Listing(filters={"code": _code}, paginated=False)


async def scan(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    found = dict(SCAN.parse(request.query).domain)
    if "code" not in found:
        raise_field_errors({"code": "required"}, "scan")

    async def resolve(env: Env) -> dict[str, Any]:
        return await printing.scan(env, found["code"])

    return ok(await run_as(request, caller, resolve))


# -- status and printers ----------------------------------------------------------------------

def _printer(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "name": record["name"], "active": bool(record["active"]),
            "connection": record["connection"], "host": text(record["host"]),
            "port": record["port"] or None, "device": text(record["device"]),
            "paper_width": record["paper_width"], "codepage": record["codepage"],
            "role": record["role"], "drawer_pin": record["drawer_pin"],
            "pos_category_ids": list(record["pos_category_ids"] or []),
            "status": record["status"] or "unknown", "last_error": text(record["last_error"]),
            "last_ok_date": utc(record["last_ok_date"]),
            "last_check_date": utc(record["last_check_date"])}


def _printers_of(env: Env, active_only: bool = True) -> Any:
    """The printer model, seeing archived printers too unless ``active_only`` (callers
    add the restaurant to their domain: the record rules allow every company of the user)."""
    return env[PRINTER] if active_only else env.with_context(active_test=False)[PRINTER]


async def _printer_one(env: Env, printer_id: int) -> dict[str, Any]:
    found = await _printers_of(env, active_only=False).search_read(
        [("id", "=", printer_id), ("company_id", "=", env.company_id)], PRINTER_FIELDS,
        load=None)
    if not found:
        raise MissingError("Printer not found")
    return _printer(found[0])


async def status(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    Listing(paginated=False).parse(request.query)
    bridge = _bridge(request)

    async def fetch(env: Env) -> dict[str, Any]:
        printers = await env[PRINTER].search_read([("company_id", "=", env.company_id)],
                                                  PRINTER_FIELDS, order="name, id", load=None)
        counts: dict[tuple[int, str], int] = {}
        ids = [p["id"] for p in printers]
        if ids:
            for row in await env[JOB].read_group(
                    [("printer_id", "in", ids), ("state", "in", ["queued", "failed"])],
                    ["printer_id"], ["printer_id", "state"], lazy=False):
                counts[(_record_id(row["printer_id"]) or 0, row["state"])] = row["__count"]
        return {"sending": bool(bridge and bridge.sending), "printers": [
            {**_printer(p), "queued_jobs": counts.get((p["id"], "queued"), 0),
             "failed_jobs": counts.get((p["id"], "failed"), 0)} for p in printers]}

    return ok(await run_as(request, caller, fetch))


PRINTERS = Listing(filters={"active": lambda raw: [("active", bool_value(raw))],
                            "role": lambda raw: [("role", _role(raw))]}, paginated=False)


def _role(raw: str) -> str:
    roles = tuple(code for code, _label in ROLES)
    if raw.strip() not in roles:
        raise ValueError(f"must be one of {', '.join(roles)}")
    return raw.strip()


async def list_printers(request: web.Request) -> web.Response:
    """The restaurant's active printers (``active=false``: the archived ones)."""
    caller = await authenticated(request)
    filters = dict(PRINTERS.parse(request.query).domain)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        domain: list[Any] = [("company_id", "=", env.company_id),
                             ("active", "=", filters.get("active", True))]
        if "role" in filters:
            domain.append(("role", "=", filters["role"]))
        return [_printer(p) for p in await _printers_of(env, active_only=False).search_read(
            domain, PRINTER_FIELDS, order="name, id", load=None)]

    printers = await run_as(request, caller, fetch)
    return ok(printers, meta={"count": len(printers)})


CONNECTION_CODES = tuple(code for code, _label in CONNECTIONS)
ROLE_CODES = tuple(code for code, _label in ROLES)
WRITABLE = ("name", "active", "connection", "host", "port", "device", "paper_width", "codepage",
            "role", "drawer_pin", "pos_category_ids")
READ_ONLY = ("id", "status", "last_error", "last_ok_date", "last_check_date", "company_id")


async def _printer_values(env: Env, body: dict[str, Any], create: bool) -> dict[str, Any]:
    """Model values of a POST/PATCH body, their types checked here (one 422 naming each
    bad field); the address policy and the other printer rules are the model's."""
    errors: dict[str, str] = {}
    for name in body:
        if name not in WRITABLE:
            errors[name] = "read-only" if name in READ_ONLY else "unknown field"
    if not create and not body:
        errors["body"] = "no field given"
    vals: dict[str, Any] = {}
    if create or "name" in body:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "required" if name in (None, "") else "must be a non-empty string"
        elif len(name) > MAX_NAME:
            errors["name"] = f"at most {MAX_NAME} characters"
        else:
            vals["name"] = name.strip()
    for name, limit in (("host", MAX_NAME), ("device", MAX_DEVICE), ("codepage", 64)):
        if name in body:
            value = body[name]
            if value is not None and not isinstance(value, str):
                errors[name] = "must be a string or null"
            elif isinstance(value, str) and len(value) > limit:
                errors[name] = f"at most {limit} characters"
            else:
                vals[name] = value.strip() or None if isinstance(value, str) else None
    if "codepage" in vals and vals["codepage"] is None:
        errors["codepage"] = "must not be empty"
    for name, choices in (("connection", CONNECTION_CODES), ("role", ROLE_CODES)):
        if name in body:
            if body[name] not in choices:
                errors[name] = f"must be one of {', '.join(choices)}"
            else:
                vals[name] = body[name]
    for name, choices in (("paper_width", PAPER_WIDTHS), ("drawer_pin", DRAWER_PINS)):
        if name in body:
            if not is_int(body[name]) or body[name] not in choices:
                errors[name] = f"must be one of {', '.join(map(str, choices))}"
            else:
                vals[name] = body[name]
    if "port" in body:
        port = body["port"]
        if not is_int(port) or not 0 < port < 65536:
            errors["port"] = "must be a TCP port (1 to 65535)"
        else:
            vals["port"] = port
    if "active" in body:
        if not isinstance(body["active"], bool):
            errors["active"] = "must be a boolean"
        else:
            vals["active"] = body["active"]
    if "pos_category_ids" in body:
        ids = body["pos_category_ids"]
        if not isinstance(ids, list) or not all(is_int(i) and 0 < i <= MAX_ID for i in ids):
            errors["pos_category_ids"] = "must be a list of ids"
        else:
            ids = list(dict.fromkeys(ids))
            if set(await env["pos.category"].exists(ids)) != set(ids):
                errors["pos_category_ids"] = "unknown in this restaurant"
            else:
                vals["pos_category_ids"] = [(6, 0, ids)]
    raise_field_errors(errors, "printer")
    return vals


async def create_printer(request: web.Request) -> web.Response:
    caller = await _manager(request)
    body = await json_object(request)

    async def create(env: Env) -> dict[str, Any]:
        vals = await _printer_values(env, body, create=True)
        vals["company_id"] = env.company_id
        return await _printer_one(env, await env[PRINTER].create(vals))

    return ok(await run_as(request, caller, create, readonly=False), message="Printer created",
              status=201)


async def get_printer(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    printer_id = path_id(request, "Printer")
    return ok(await run_as(request, caller, lambda env: _printer_one(env, printer_id)))


async def update_printer(request: web.Request) -> web.Response:
    caller = await _manager(request)
    printer_id = path_id(request, "Printer")
    body = await json_object(request)

    async def update(env: Env) -> dict[str, Any]:
        await _printer_one(env, printer_id)
        vals = await _printer_values(env, body, create=False)
        await _printers_of(env, active_only=False).write([printer_id], vals)
        return await _printer_one(env, printer_id)

    return ok(await run_as(request, caller, update, readonly=False), message="Printer updated")


async def archive_printer(request: web.Request) -> web.Response:
    caller = await _manager(request)
    printer_id = path_id(request, "Printer")

    async def archive(env: Env) -> dict[str, Any]:
        await _printer_one(env, printer_id)
        await _printers_of(env, active_only=False).write([printer_id], {"active": False})
        return await _printer_one(env, printer_id)

    return ok(await run_as(request, caller, archive, readonly=False), message="Printer archived")


async def test_printer(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    printer_id = path_id(request, "Printer")
    await json_object(request, optional=True)

    async def work(env: Env, bridge: Bridge | None) -> int:
        await _printer_one(env, printer_id)
        return await printing.test_page(env, bridge, printer_id)

    return await _accepted(request, caller, work, "Test page queued")


# -- jobs -------------------------------------------------------------------------------------

def _states(raw: str) -> list[Any]:
    wanted = [part.strip() for part in raw.split(",")]
    if not all(state in STATES for state in wanted):
        raise ValueError(f"must be one or more (comma-separated) of {', '.join(STATES)}")
    return [("states", list(dict.fromkeys(wanted)))]


def _limit(raw: str) -> list[Any]:
    value = raw.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_JOBS:
        raise ValueError(f"must be an integer from 1 to {MAX_JOBS}")
    return [("limit", int(value))]


JOBS = Listing(filters={"state": _states, "printer_id": equals_id("printer_id"),
                        "limit": _limit}, paginated=False)


async def list_jobs(request: web.Request) -> web.Response:
    """The newest jobs of the restaurant's printers, newest first, without their bytes."""
    caller = await authenticated(request)
    terms = {term[0]: term[2] if len(term) == 3 else term[1]
             for term in JOBS.parse(request.query).domain}

    async def fetch(env: Env) -> list[dict[str, Any]]:
        found = await env[JOB].list_jobs(printer_id=terms.get("printer_id"),
                                         states=terms.get("states"),
                                         limit=terms.get("limit", 100))
        return [_job(record) for record in found]

    jobs = await run_as(request, caller, fetch)
    return ok(jobs, meta={"count": len(jobs)})


async def _job_action(request: web.Request, action: str, message: str) -> web.Response:
    caller = await authenticated(request)
    job_id = path_id(request, "Print job")
    await json_object(request, optional=True)

    async def change(env: Env) -> dict[str, Any]:
        if not await env[JOB].search([("id", "=", job_id), ("company_id", "=", env.company_id)],
                                     limit=1):
            raise MissingError("Print job not found")
        await getattr(env[JOB], action)([job_id])
        (job,) = await _jobs(env, [job_id])
        if action == "action_retry":
            bridge = _bridge(request)
            if bridge is not None:
                bridge.after_enqueue(env.cr, job["printer_id"])
        return job

    return ok(await run_as(request, caller, change, readonly=False), message=message)


async def retry_job(request: web.Request) -> web.Response:
    return await _job_action(request, "action_retry", "Print job queued again")


async def cancel_job(request: web.Request) -> web.Response:
    return await _job_action(request, "action_cancel", "Print job cancelled")


# -- previews ---------------------------------------------------------------------------------

def _format(raw: str) -> list[Any]:
    if raw.strip() not in ("png", "text"):
        raise ValueError("must be png or text")
    return [("format", raw.strip())]


def _width(raw: str) -> list[Any]:
    value = raw.strip()
    if value not in tuple(map(str, PAPER_WIDTHS)):
        raise ValueError(f"must be one of {', '.join(map(str, PAPER_WIDTHS))}")
    return [("width", int(value))]


PREVIEW = Listing(filters={"format": _format, "width": _width}, paginated=False)


async def receipt_preview(request: web.Request) -> web.Response:
    """The order's receipt as the printer would print it: a PNG, or plain text."""
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    options = dict(PREVIEW.parse(request.query).domain)
    width = options.get("width", 80)

    async def render(env: Env) -> Any:
        await _visible_order(env, order_id)
        return await printing.order_receipt(env, order_id)

    receipt = await run_as(request, caller, render)
    if options.get("format", "png") == "text":
        return web.Response(text=to_text(receipt, width), content_type="text/plain",
                            charset="utf-8")
    png = await asyncio.to_thread(to_png, receipt, width)     # drawing is off the loop
    return web.Response(body=png, content_type="image/png")


async def _templates(env: Env) -> dict[str, Any]:
    (company,) = await env["res.company"].read([env.company_id],
                                               ["receipt_template", "kitchen_template"])
    return {"restaurant_id": env.company_id,
            "receipt_template": company["receipt_template"] or None,
            "kitchen_template": company["kitchen_template"] or None,
            "default_receipt_template": DEFAULT_TEMPLATES["receipt"],
            "default_kitchen_template": DEFAULT_TEMPLATES["kitchen"]}


async def get_templates(request: web.Request) -> web.Response:
    """The current restaurant's receipt and kitchen ticket templates (null: the default,
    given beside them to start from)."""
    caller = await authenticated(request)
    return ok(await run_as(request, caller, _templates))


async def put_templates(request: web.Request) -> web.Response:
    """Managers set or clear (null) the restaurant's templates; each is compiled when
    saved, so a mistake is a 422 naming its line, not a bad receipt at the till."""
    caller = await _manager(request)
    body = await json_object(request)
    errors: dict[str, str] = {}
    vals: dict[str, Any] = {}
    for field in ("receipt_template", "kitchen_template"):
        if field not in body:
            continue
        value = body[field]
        if value is not None and (not isinstance(value, str) or not value.strip()
                                  or len(value) > MAX_TEMPLATE):
            errors[field] = f"a non-empty string of at most {MAX_TEMPLATE:,} characters, or null"
        else:
            vals[field] = value or False
    unknown = sorted(set(body) - {"receipt_template", "kitchen_template"})
    for field in unknown:
        errors[field] = "unknown field"
    if not vals and not errors:
        errors["receipt_template"] = "give receipt_template and/or kitchen_template"
    raise_field_errors(errors, "templates")

    async def save(env: Env) -> dict[str, Any]:
        await env["res.company"].write([env.company_id], vals)
        return await _templates(env)

    return ok(await run_as(request, caller, save, readonly=False), message="Templates saved")


ROUTES: list[tuple[str, str, object]] = [
    ("POST", f"{HW}/printer/print", print_receipt),
    ("POST", f"{HW}/kitchen-tickets", kitchen_tickets),
    ("POST", f"{HW}/cash-drawer/open", open_drawer),
    ("GET", f"{HW}/scanner/scan", scan),
    ("GET", f"{HW}/status", status),
    ("GET", f"{HW}/printers", list_printers),
    ("POST", f"{HW}/printers", create_printer),
    ("GET", f"{HW}/printers/{{id:\\d+}}", get_printer),
    ("PATCH", f"{HW}/printers/{{id:\\d+}}", update_printer),
    ("DELETE", f"{HW}/printers/{{id:\\d+}}", archive_printer),
    ("POST", f"{HW}/printers/{{id:\\d+}}/test", test_printer),
    ("GET", f"{HW}/jobs", list_jobs),
    ("POST", f"{HW}/jobs/{{id:\\d+}}/retry", retry_job),
    ("POST", f"{HW}/jobs/{{id:\\d+}}/cancel", cancel_job),
    ("GET", f"{HW}/orders/{{id:\\d+}}/receipt", receipt_preview),
    ("GET", f"{HW}/templates", get_templates),
    ("PUT", f"{HW}/templates", put_templates),
]
