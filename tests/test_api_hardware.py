"""REST hardware routes: printing through the durable queue to a real TCP listener on
127.0.0.1 standing in for a network printer, the drawer kick, kitchen tickets that
print only what is new, scanning, printers and jobs, and the refusals (another
restaurant's records, the address policy, roles, bad templates)."""
from __future__ import annotations

import asyncio
import base64
import io
import itertools
from typing import Any

import pytest
from escpos import constants
from PIL import Image

from gateway.app import create_app
from hardware_bridge import barcodes
from models.exceptions import ValidationError
from tests.pos_support import demo_till
from tests.printer_listener import PrinterListener
from tests.test_api_envelope import ENVELOPE_KEYS, assert_error
from tests.test_api_products import token

HW = "/api/v1/hardware"
SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
JOB_KEYS = {"id", "printer_id", "state", "kind", "size", "order_id", "role", "attempts",
            "last_error", "next_try_date", "sent_date", "is_copy", "create_date"}
ESC_AT = b"\x1b@"
CUT = b"\x1dV"
_uuids = itertools.count(1)


@pytest.fixture
async def hw(aiohttp_client: Any, db: Any, listener: PrinterListener) -> Any:
    """The gateway allowing the listener's address (loopback is refused by default)."""
    config = db.config.replace(printer_networks=("127.0.0.1/32",),
                               printer_ports=(listener.port,), printer_status_interval=0)
    return await aiohttp_client(create_app(config))


async def call(client: Any, method: str, path: str, login: str | None, json: Any = None,
               status: int = 200, **params: Any) -> dict[str, Any]:
    headers = await token(client, login) if login else {}
    response = await client.request(method, path, headers=headers, json=json,
                                    params=params or None)
    body = await response.json()
    assert response.status == status, body
    assert set(body) == ENVELOPE_KEYS
    return body


async def add_printer(client: Any, port: int, login: str = "manager", **extra: Any) -> int:
    body = {"name": "Front receipt", "connection": "network", "host": "127.0.0.1",
            "port": port, **extra}
    created = await call(client, "POST", f"{HW}/printers", login, body, status=201)
    return int(created["data"]["id"])


async def wait_job(client: Any, login: str, job_id: int, states: tuple[str, ...],
                   timeout: float = 15.0) -> dict[str, Any]:
    """Poll ``GET /jobs`` until the job is in one of ``states``."""
    headers = await token(client, login)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await client.get(f"{HW}/jobs", headers=headers)
        jobs = {job["id"]: job for job in (await response.json())["data"]}
        if jobs.get(job_id, {}).get("state") in states:
            return jobs[job_id]
        assert loop.time() < deadline, f"job {job_id} not {states}: {jobs.get(job_id)}"
        await asyncio.sleep(0.1)


async def new_order(client: Any, orm: Any, login: str = "waiter",
                    products: tuple[int, ...] = (0, 1)) -> dict[str, Any]:
    """An open order (unpaid: a bill is printed before it is paid)."""
    till = await demo_till(orm, login)
    body = {"uuid": f"hw-{next(_uuids)}",
            "lines": [{"product_id": till.product(i)["id"], "qty": 1 + i} for i in products]}
    created = await call(client, "POST", "/api/v1/orders", login, body, status=201)
    return created["data"]


# -- printing to the listener -----------------------------------------------------------------

async def test_a_waiter_prints_an_order_and_the_printer_gets_the_receipt(
        hw: Any, orm: Any, listener: PrinterListener) -> None:
    printer = await add_printer(hw, listener.port)
    order = await new_order(hw, orm)
    queued = await call(hw, "POST", f"{HW}/printer/print", "waiter",
                        {"order_id": order["id"]}, status=202)
    job = queued["data"]
    assert set(job) == JOB_KEYS
    assert job["printer_id"] == printer and job["kind"] == "receipt"
    assert job["state"] in ("queued", "sending", "done") and job["order_id"] == order["id"]

    done = await wait_job(hw, "waiter", job["id"], ("done",))
    assert done["sent_date"] and done["attempts"] == 1 and not done["is_copy"]
    await listener.wait_for(lambda: len(listener.jobs()) >= 1)
    (sent,) = listener.jobs()
    assert sent.startswith(ESC_AT)
    assert CUT in sent[-8:], sent[-8:]
    detail = (await call(hw, "GET", f"/api/v1/orders/{order['id']}", "waiter"))["data"]
    till = await demo_till(orm, "waiter")
    assert len(detail["lines"]) == 2
    for index in (0, 1):
        assert till.product(index)["name"].encode("cp437") in sent, till.product(index)
    assert f"{detail['amount_total']:.2f}".encode() in sent

    # the printer's status follows the successful print
    state = (await call(hw, "GET", f"{HW}/status", "waiter"))["data"]
    assert state["sending"] is True
    (shown,) = [p for p in state["printers"] if p["id"] == printer]
    assert shown["status"] == "online" and shown["last_ok_date"]
    assert shown["queued_jobs"] == 0 and shown["failed_jobs"] == 0


@SQLITE
async def test_the_restaurants_logo_is_printed_as_a_raster_image(
        hw: Any, orm: Any, listener: PrinterListener) -> None:
    """The logo set on the restaurant (res.company.logo, checked when saved) reaches the
    printer as a raster image (GS v 0) before the receipt's text."""
    image = io.BytesIO()
    Image.new("RGB", (300, 80), "black").save(image, "PNG")
    logo = base64.b64encode(image.getvalue()).decode()

    async def set_logo(env: Any) -> None:
        await env["res.company"].write([env.company_id], {"logo": logo})
    await orm.run(set_logo, login="manager")
    with pytest.raises(ValidationError) as refused:
        await orm.run(lambda env: env["res.company"].write(
            [env.company_id], {"logo": base64.b64encode(b"GIF89a not a logo").decode()}),
            login="manager")
    assert refused.value.field_errors == {"logo": "a PNG or JPEG image"}

    await add_printer(hw, listener.port)
    order = await new_order(hw, orm)
    job = (await call(hw, "POST", f"{HW}/printer/print", "waiter",
                      {"order_id": order["id"]}, status=202))["data"]
    await wait_job(hw, "waiter", job["id"], ("done",))
    (sent,) = listener.jobs()
    assert sent.startswith(ESC_AT) and sent.count(b"\x1dv0") == 1
    assert sent.index(b"\x1dv0") < sent.index(order["pos_reference"].encode()
                                               if order.get("pos_reference")
                                               else order["name"].encode())


async def test_the_restaurants_own_templates_are_checked_saved_and_printed(
        hw: Any, orm: Any, listener: PrinterListener) -> None:
    current = (await call(hw, "GET", f"{HW}/templates", "waiter"))["data"]
    assert current["receipt_template"] is None and "{{" in current["default_receipt_template"]
    bad = await call(hw, "PUT", f"{HW}/templates", "manager",
                     {"receipt_template": "{{ restaurant.name }}\n{{ restaurant.secret }}"},
                     status=422)
    assert "line 2" in bad["error"]["field_errors"]["receipt_template"]
    await call(hw, "PUT", f"{HW}/templates", "waiter", {"receipt_template": "x"}, status=403)
    template = ("{% center %}\n{{ restaurant.name }}\nTHANK YOU FOR DINING\n{% endcenter %}\n"
                "{% lines %}\n{{ line.name }}{% fill %}{{ line.total }}\n{% endlines %}\n"
                "TOTAL{% fill %}{{ totals.total }}")
    saved = (await call(hw, "PUT", f"{HW}/templates", "manager",
                        {"receipt_template": template}))["data"]
    assert saved["receipt_template"] == template and saved["kitchen_template"] is None

    await add_printer(hw, listener.port)
    order = await new_order(hw, orm)
    job = (await call(hw, "POST", f"{HW}/printer/print", "waiter",
                      {"order_id": order["id"]}, status=202))["data"]
    await wait_job(hw, "waiter", job["id"], ("done",))
    (sent,) = listener.jobs()
    assert b"THANK YOU FOR DINING" in sent and sent.startswith(ESC_AT) and CUT in sent[-8:]
    # cleared: the default again
    cleared = (await call(hw, "PUT", f"{HW}/templates", "manager",
                          {"receipt_template": None}))["data"]
    assert cleared["receipt_template"] is None


async def test_free_text_is_printed_without_control_bytes(hw: Any,
                                                          listener: PrinterListener) -> None:
    await add_printer(hw, listener.port)
    job = (await call(hw, "POST", f"{HW}/printer/print", "waiter",
                      {"text": "Table 4 allergy\x1bp\x01\x19\x19 nuts"}, status=202))["data"]
    assert job["kind"] == "raw"
    await wait_job(hw, "waiter", job["id"], ("done",))
    (sent,) = listener.jobs()
    assert b"allergy" in sent and b"nuts" in sent
    assert constants.CD_KICK_2 not in sent and b"\x1bp" not in sent


@SQLITE
async def test_the_cash_drawer_kick_reaches_the_printer_and_kitchen_staff_may_not(
        hw: Any, listener: PrinterListener) -> None:
    await add_printer(hw, listener.port, drawer_pin=5)
    refused = await call(hw, "POST", f"{HW}/cash-drawer/open", "kitchen", status=403)
    assert_error(refused, "FORBIDDEN")
    job = (await call(hw, "POST", f"{HW}/cash-drawer/open", "waiter", status=202))["data"]
    assert job["kind"] == "drawer"
    await wait_job(hw, "waiter", job["id"], ("done",))
    (sent,) = listener.jobs()
    assert sent.startswith(b"\x1bp") and sent == constants.CD_KICK_5


@SQLITE
async def test_kitchen_tickets_print_only_what_is_new(hw: Any, orm: Any,
                                                      listener: PrinterListener) -> None:
    kitchen = await add_printer(hw, listener.port, name="Hot line", role="kitchen")
    order = await new_order(hw, orm, products=(0,))
    first = (await call(hw, "POST", f"{HW}/kitchen-tickets", "waiter",
                        {"order_id": order["id"]}, status=202))
    assert first["meta"] == {"count": 1}
    (ticket,) = first["data"]
    assert ticket["printer_id"] == kitchen and ticket["kind"] == "kitchen"
    await wait_job(hw, "waiter", ticket["id"], ("done",))

    nothing = await call(hw, "POST", f"{HW}/kitchen-tickets", "waiter",
                         {"order_id": order["id"]}, status=202)
    assert nothing["data"] == []

    till = await demo_till(orm, "waiter")
    second_product = till.product(1)
    await call(hw, "POST", f"/api/v1/orders/{order['id']}/lines", "waiter",
               {"product_id": second_product["id"], "qty": 3}, status=201)
    (again,) = (await call(hw, "POST", f"{HW}/kitchen-tickets", "waiter",
                           {"order_id": order["id"]}, status=202))["data"]
    await wait_job(hw, "waiter", again["id"], ("done",))
    first_bytes, second_bytes = listener.jobs()
    first_name = till.product(0)["name"].encode("cp437")
    second_name = second_product["name"].encode("cp437")
    assert first_name in first_bytes and second_name not in first_bytes
    assert second_name in second_bytes and first_name not in second_bytes


async def test_kitchen_lines_go_to_the_printer_of_their_category(
        hw: Any, orm: Any, listener: PrinterListener) -> None:
    """A printer set to a category takes its lines and its sub-categories' lines; a
    printer set to none takes the rest (Odoo's order printers)."""
    till = await demo_till(orm, "waiter")
    first, second = till.product(0), till.product(1)

    async def arrange(env: Any) -> int:
        """The first product in a sub-category of "Bar drinks" (the bar printer is set to
        the parent), the second in "Mains" (no printer is set to it)."""
        parent = await env["pos.category"].create({"name": "Bar drinks"})
        wine = await env["pos.category"].create({"name": "Wine", "parent_id": parent})
        mains = await env["pos.category"].create({"name": "Mains"})
        await env["product.product"].write([first["id"]], {"pos_categ_ids": [(6, 0, [wine])]})
        await env["product.product"].write([second["id"]], {"pos_categ_ids": [(6, 0, [mains])]})
        return parent
    parent = await orm.run(arrange, login="manager")
    bar = await add_printer(hw, listener.port, name="Bar", role="bar",
                            pos_category_ids=[parent])
    kitchen = await add_printer(hw, listener.port, name="Hot line", role="kitchen")
    order = await new_order(hw, orm, products=(0, 1))
    tickets = (await call(hw, "POST", f"{HW}/kitchen-tickets", "waiter",
                          {"order_id": order["id"]}, status=202))["data"]
    assert sorted(t["printer_id"] for t in tickets) == sorted([bar, kitchen])
    for ticket in tickets:
        await wait_job(hw, "waiter", ticket["id"], ("done",))
    sent = listener.jobs()
    assert len(sent) == 2
    first_name, second_name = (first["name"].encode("cp437"), second["name"].encode("cp437"))
    (to_bar,) = [data for data in sent if first_name in data]
    (to_kitchen,) = [data for data in sent if second_name in data]
    assert second_name not in to_bar and first_name not in to_kitchen


# -- scanning ---------------------------------------------------------------------------------

@SQLITE
async def test_scan_resolves_a_product_checks_the_digit_and_reads_a_weight(
        hw: Any, orm: Any) -> None:
    async def with_barcode(env: Any) -> dict[str, Any]:
        return (await env["product.product"].search_read(
            [("barcode", "!=", False), ("available_in_pos", "=", True)],
            ["name", "barcode"], limit=1))[0]

    product = await orm.run(with_barcode, login="waiter")
    found = (await call(hw, "GET", f"{HW}/scanner/scan", "waiter",
                        code=product["barcode"]))["data"]
    assert found["product"]["id"] == product["id"]

    code = product["barcode"]
    if barcodes.parse(code).kind in ("ean13", "ean8", "upca"):
        wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    else:
        wrong = "4006381333932"        # a valid EAN-13 body with a wrong check digit
    bad = (await call(hw, "GET", f"{HW}/scanner/scan", "waiter", code=wrong))["data"]
    assert bad["valid"] is False and bad["reason"] and bad["product"] is None

    weight = "21" + "12345" + "01250"
    weight += str(barcodes.gs1_check_digit(weight))
    weighed = (await call(hw, "GET", f"{HW}/scanner/scan", "waiter", code=weight))["data"]
    assert weighed["kind"] == "weight" and weighed["valid"] is True
    assert weighed["value"] == 1.25

    missing = await call(hw, "GET", f"{HW}/scanner/scan", "waiter", status=422)
    assert "code" in missing["error"]["field_errors"]


# -- refusals ---------------------------------------------------------------------------------

@SQLITE
@pytest.mark.parametrize("body, field", [
    ({"host": "8.8.8.8"}, "host"),
    ({"host": "printer.local"}, "host"),
    ({"host": "169.254.169.254"}, "host"),
    ({"port": 9100}, "port"),
    ({"port": 70000}, "port"),
    ({"paper_width": 72}, "paper_width"),
    ({"codepage": "klingon"}, "codepage"),
    ({"status": "online"}, "status"),
    ({"connection": "carrier-pigeon"}, "connection"),
])
async def test_printer_values_are_checked(hw: Any, listener: PrinterListener,
                                          body: dict[str, Any], field: str) -> None:
    values = {"name": "P", "connection": "network", "host": "127.0.0.1",
              "port": listener.port, **body}
    refused = await call(hw, "POST", f"{HW}/printers", "manager", values, status=422)
    assert_error(refused, "VALIDATION_ERROR")
    assert field in refused["error"]["field_errors"], refused
    assert (await call(hw, "GET", f"{HW}/printers", "manager"))["data"] == []


@SQLITE
async def test_other_restaurants_roles_and_templates_are_refused(
        hw: Any, orm: Any, listener: PrinterListener) -> None:
    printer = await add_printer(hw, listener.port)
    assert_error(await call(hw, "POST", f"{HW}/printers", "waiter",
                            {"name": "x", "host": "127.0.0.1", "port": listener.port},
                            status=403), "FORBIDDEN")
    assert_error(await call(hw, "PATCH", f"{HW}/printers/{printer}", "manager",
                            {"host": "8.8.8.8"}, status=422), "VALIDATION_ERROR")
    changed = await call(hw, "PATCH", f"{HW}/printers/{printer}", "manager",
                         {"name": "Bar receipt", "paper_width": 58})
    assert changed["data"]["name"] == "Bar receipt" and changed["data"]["paper_width"] == 58

    for method in ("GET", "PATCH", "DELETE"):
        missing = await call(hw, method, f"{HW}/printers/{printer}", "sushi.manager",
                             {"name": "mine"} if method == "PATCH" else None, status=404)
        assert_error(missing, "NOT_FOUND")
    await call(hw, "POST", f"{HW}/printers/{printer}/test", "sushi.waiter", status=404)
    await call(hw, "POST", f"{HW}/printer/print", "sushi.waiter",
               {"text": "hello", "printer_id": printer}, status=404)
    sushi_order = await new_order(hw, orm, login="sushi.waiter")
    await call(hw, "POST", f"{HW}/printer/print", "waiter",
               {"order_id": sushi_order["id"]}, status=404)
    preview = await hw.get(f"{HW}/orders/{sushi_order['id']}/receipt",
                           headers=await token(hw, "waiter"))
    assert preview.status == 404

    order = await new_order(hw, orm)
    bad = await call(hw, "POST", f"{HW}/printer/print", "waiter",
                     {"order_id": order["id"], "template": "{% if %}"}, status=422)
    assert "template" in bad["error"]["field_errors"]
    both = await call(hw, "POST", f"{HW}/printer/print", "waiter",
                      {"order_id": order["id"], "text": "x"}, status=422)
    assert {"order_id", "text"} <= set(both["error"]["field_errors"])
    neither = await call(hw, "POST", f"{HW}/printer/print", "waiter", {}, status=422)
    assert {"order_id", "text"} <= set(neither["error"]["field_errors"])

    archived = await call(hw, "DELETE", f"{HW}/printers/{printer}", "manager")
    assert archived["data"]["active"] is False
    assert (await call(hw, "GET", f"{HW}/printers", "manager"))["data"] == []
    listed = await call(hw, "GET", f"{HW}/printers", "manager", active="false")
    assert [p["id"] for p in listed["data"]] == [printer]


@SQLITE
async def test_receipt_preview_as_png_and_text(hw: Any, orm: Any) -> None:
    order = await new_order(hw, orm)
    headers = await token(hw, "waiter")
    response = await hw.get(f"{HW}/orders/{order['id']}/receipt", headers=headers)
    assert response.status == 200 and response.content_type == "image/png"
    assert (await response.read()).startswith(b"\x89PNG\r\n\x1a\n")
    response = await hw.get(f"{HW}/orders/{order['id']}/receipt", headers=headers,
                            params={"format": "text", "width": "58"})
    assert response.status == 200 and response.content_type == "text/plain"
    receipt = await response.text()
    assert max(len(line) for line in receipt.splitlines()) <= 32
    assert order["name"] in receipt or order["pos_reference"] in receipt
    response = await hw.get(f"{HW}/orders/{order['id']}/receipt", headers=headers,
                            params={"width": "72"})
    assert response.status == 422


# -- jobs -------------------------------------------------------------------------------------

@SQLITE
async def test_jobs_wait_for_a_printer_that_is_down_and_can_be_cancelled_and_retried(
        hw: Any, listener: PrinterListener) -> None:
    printer = await add_printer(hw, listener.port)
    await listener.stop()
    job = (await call(hw, "POST", f"{HW}/printer/print", "waiter", {"text": "one"},
                      status=202))["data"]
    failed_once = await wait_job(hw, "waiter", job["id"], ("queued",), timeout=15)
    for _ in range(150):
        if failed_once["attempts"] >= 1:
            break
        await asyncio.sleep(0.1)
        failed_once = await wait_job(hw, "waiter", job["id"], ("queued", "sending"))
    # act right after a failed try: its backoff (4 s and more from the second) leaves the
    # job queued, not being sent, while it is listed and cancelled below
    tried = failed_once["attempts"]
    headers = await token(hw, "waiter")         # one login: logins have their own budget
    for _ in range(300):
        if failed_once["attempts"] > tried and failed_once["state"] == "queued":
            break
        await asyncio.sleep(0.05)
        listed = await (await hw.get(f"{HW}/jobs", headers=headers)).json()
        failed_once = next(j for j in listed["data"] if j["id"] == job["id"])
    assert failed_once["attempts"] >= 2 and failed_once["last_error"]
    state = (await call(hw, "GET", f"{HW}/status", "waiter"))["data"]
    (shown,) = state["printers"]
    assert shown["queued_jobs"] == 1

    listed = await call(hw, "GET", f"{HW}/jobs", "waiter", state="queued", printer_id=printer)
    assert [j["id"] for j in listed["data"]] == [job["id"]]
    cancelled = await call(hw, "POST", f"{HW}/jobs/{job['id']}/cancel", "waiter")
    assert cancelled["data"]["state"] == "cancelled"
    assert_error(await call(hw, "POST", f"{HW}/jobs/{job['id']}/cancel", "waiter",
                            status=409), "INVALID_STATE_TRANSITION")
    assert_error(await call(hw, "POST", f"{HW}/jobs/{job['id']}/retry", "waiter",
                            status=403), "FORBIDDEN")
    await call(hw, "POST", f"{HW}/jobs/{job['id']}/retry", "sushi.manager", status=404)

    await listener.start()         # the printer comes back on the same port
    retried = await call(hw, "POST", f"{HW}/jobs/{job['id']}/retry", "manager")
    assert retried["data"]["state"] in ("queued", "sending", "done")
    assert retried["data"]["attempts"] == 0 or retried["data"]["state"] != "queued"
    await wait_job(hw, "waiter", job["id"], ("done",), timeout=20)
    await listener.wait_for(lambda: len(listener.jobs()) == 1)
    assert b"one" in listener.jobs()[0]


@SQLITE
@pytest.mark.parametrize("method, path", [
    ("POST", f"{HW}/printer/print"), ("POST", f"{HW}/kitchen-tickets"),
    ("POST", f"{HW}/cash-drawer/open"), ("GET", f"{HW}/scanner/scan?code=1"),
    ("GET", f"{HW}/status"), ("GET", f"{HW}/printers"), ("POST", f"{HW}/printers"),
    ("GET", f"{HW}/printers/1"), ("PATCH", f"{HW}/printers/1"),
    ("DELETE", f"{HW}/printers/1"), ("POST", f"{HW}/printers/1/test"),
    ("GET", f"{HW}/jobs"), ("POST", f"{HW}/jobs/1/retry"), ("POST", f"{HW}/jobs/1/cancel"),
    ("GET", f"{HW}/orders/1/receipt"),
])
async def test_a_token_is_needed(client: Any, method: str, path: str) -> None:
    body = await call(client, method, path, None, {}, status=401)
    assert_error(body, "AUTHENTICATION_FAILED")


@SQLITE
async def test_platform_health_lists_printers_that_are_down(hw: Any, orm: Any,
                                                           listener: PrinterListener) -> None:
    down = await add_printer(hw, listener.port, name="Bar printer")
    fine = await add_printer(hw, listener.port, name="Front printer")
    await orm.run(lambda env: env["hw.printer"]._record_status(down, "paper_out",
                                                                "paper end"))
    await orm.run(lambda env: env["hw.printer"]._record_status(fine, "online"))
    health = (await call(hw, "GET", "/api/v1/platform/health", "owner"))["data"]
    (entry,) = [p for p in health["printers_down"] if p["printer_id"] in (down, fine)]
    assert entry["printer_id"] == down and entry["status"] == "paper_out"
    assert entry["last_error"] == "paper end" and entry["restaurant"]
    company = (await call(hw, "GET", f"{HW}/printers/{down}", "manager"))["data"]
    assert company["status"] == "paper_out"

    await call(hw, "DELETE", f"{HW}/printers/{down}", "manager")      # archived: not a finding
    health = (await call(hw, "GET", "/api/v1/platform/health", "owner"))["data"]
    assert down not in [p["printer_id"] for p in health["printers_down"]]


#: (method, path, body or None, expected status, field named or None): odd inputs that
#: must be refused before they reach the database or the renderer.
ODD = [
    ("POST", "/printer/print", {"order_id": 2 ** 40}, 422, "order_id"),
    ("POST", "/printer/print", {"order_id": True}, 422, "order_id"),
    ("POST", "/printer/print", {"text": "x", "printer_id": 2 ** 63}, 422, "printer_id"),
    ("POST", "/printer/print", {"text": "x", "template": "{{ total }}"}, 422, "template"),
    ("POST", "/printer/print", {"text": "   "}, 422, "text"),
    ("POST", "/printer/print", {"text": "x", "colour": "red"}, 422, "colour"),
    ("POST", "/printer/print", {"order_id": 2147483647}, 404, None),
    ("POST", "/kitchen-tickets", {}, 422, "order_id"),
    ("POST", "/kitchen-tickets", {"order_id": "1"}, 422, "order_id"),
    ("POST", "/cash-drawer/open", {"printer_id": 0}, 422, "printer_id"),
    ("POST", "/cash-drawer/open", {"printer_id": 2147483647}, 404, None),
    ("GET", "/scanner/scan?code=%20", None, 422, "code"),
    ("GET", "/scanner/scan?code=" + "9" * 129, None, 422, "code"),
    ("GET", "/scanner/scan?code=caf%C3%A9%E2%82%AC", None, 200, None),
    ("GET", "/scanner/scan?code=1&code=2", None, 422, "code"),
    ("GET", "/status?x=1", None, 422, "x"),
    ("GET", "/jobs?state=queued,lost", None, 422, "state"),
    ("GET", "/jobs?state=,", None, 422, "state"),
    ("GET", "/jobs?limit=0", None, 422, "limit"),
    ("GET", "/jobs?limit=501", None, 422, "limit"),
    ("GET", "/jobs?printer_id=99999999999", None, 422, "printer_id"),
    ("GET", "/jobs?state=done,queued&limit=5", None, 200, None),
    ("GET", "/printers?active=maybe", None, 422, "active"),
    ("GET", "/printers?role=chef", None, 422, "role"),
    ("POST", "/printers", {"name": "P", "port": 2 ** 40}, 422, "port"),
    ("POST", "/printers", {"name": "P", "paper_width": "80"}, 422, "paper_width"),
    ("POST", "/printers", {"name": "P", "pos_category_ids": [2147483647]}, 422,
     "pos_category_ids"),
    ("POST", "/printers", {"name": "P", "connection": "usb", "device": "zz:1"}, 422, "device"),
    ("POST", "/printers", {"name": "P", "connection": "file", "device": "/etc/passwd"}, 422,
     "device"),
    ("POST", "/printers", {"name": "P", "connection": "cups", "device": "a b"}, 422, "device"),
    ("POST", "/printers", {"name": "P", "host": "10.0.0.5", "codepage": ""}, 422, "codepage"),
    ("POST", "/printers", {"name": " "}, 422, "name"),
    ("PATCH", "/printers/2147483647", {"name": "x"}, 404, None),
    ("GET", "/printers/2147483648", None, 404, None),
    ("POST", "/jobs/2147483647/retry", None, 404, None),
    ("POST", "/jobs/1/cancel", None, 404, None),
    ("GET", "/orders/2147483647/receipt", None, 404, None),
    ("GET", "/orders/1/receipt?format=pdf", None, 422, "format"),
]


@SQLITE
async def test_odd_inputs_are_refused_with_4xx(hw: Any) -> None:
    headers = await token(hw, "manager")
    for method, path, body, status, field in ODD:
        response = await hw.request(method, HW + path, headers=headers,
                                    **({} if body is None else {"json": body}))
        answer = await response.json()
        assert response.status == status, (method, path, body, answer)
        if field is not None:
            assert field in answer["error"]["field_errors"], (path, body, answer)
