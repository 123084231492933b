"""Odoo's IoT-box routes on the gateway, against a real TCP listener standing in for the
restaurant's receipt printer (tests/printer_listener.py).

The payloads are the ones the Odoo POS sends (odoo-protocol.md section 11): a JPEG the POS
drew itself reaches the printer as a raster image and a cut, a cash-drawer action as the
drawer pulse; the long-poll answers a printer status change and the scanner's input and
waits otherwise; nobody without a login is served.
"""
from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from escpos import constants
from PIL import Image, ImageDraw

from gateway.app import create_app
from hardware_bridge.iot_routes import xml_receipt_text
from models.exceptions import ValidationError
from tests import conftest
from tests.conftest import Orm
from tests.printer_listener import PrinterListener
from tests.support import envelope, login, rpc

pytestmark = pytest.mark.timeout(60)

#: The long-poll's wait in these tests (Odoo's 50 s would only slow them down).
POLL_SECONDS = 0.5
RASTER = constants.GS + b"v0"          # GS v 0: a raster bit image
DRAWER = constants.ESC + b"p"           # ESC p m t1 t2: the drawer kick


@pytest.fixture
def hw_db(db: conftest.TestDatabase, listener: PrinterListener) -> conftest.TestDatabase:
    """The test database with a gateway that may print to the loopback listener."""
    return conftest.TestDatabase(db.kind, db.config.replace(
        printer_networks=("127.0.0.0/8",), printer_ports=(listener.port,),
        printer_status_interval=0.0, longpolling_timeout=POLL_SECONDS))


@pytest.fixture
async def hw_orm(hw_db: conftest.TestDatabase) -> AsyncIterator[Orm]:
    helper = Orm(hw_db)
    await helper.backend.start()
    yield helper
    await helper.close()


@pytest.fixture
async def printer(hw_orm: Orm, listener: PrinterListener) -> int:
    """The Bistro's receipt printer, on the listener."""
    return int(await hw_orm.run(lambda env: env["hw.printer"].create({
        "name": "Counter", "connection": "network", "host": "127.0.0.1",
        "port": listener.port, "role": "receipt"}), login="manager"))


@pytest.fixture
async def hw_client(aiohttp_client: Any, hw_db: conftest.TestDatabase) -> Any:
    return await aiohttp_client(create_app(hw_db.config))


@pytest.fixture
async def waiter(hw_client: Any, printer: int) -> Any:
    """The client logged in as the Bistro's waiter (a session cookie, as the POS has)."""
    await login(hw_client, "waiter")
    return hw_client


def jpeg_receipt() -> str:
    """What the POS sends: its receipt drawn on a canvas, as a base64 JPEG."""
    image = Image.new("RGB", (512, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 492, 80), fill="black")
    draw.text((30, 120), "Bistro Centrale  TOTAL 12.50", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


def result(body: dict[str, Any]) -> Any:
    assert "error" not in body, body["error"]
    return body.get("result")


async def printed(listener: PrinterListener, count: int = 1) -> list[bytes]:
    await listener.wait_for(lambda: len(listener.jobs()) >= count)
    return listener.jobs()


async def test_hello_handshake_and_status_json(waiter: Any, printer: int) -> None:
    response = await waiter.get("/hw_proxy/hello")
    assert response.status == 200 and await response.text() == "ping"
    assert result(await rpc(waiter, "/hw_proxy/handshake")) is True
    status = result(await rpc(waiter, "/hw_proxy/status_json"))
    assert status["escpos"]["status"] in {"connecting", "connected"}
    assert isinstance(status["escpos"]["messages"], list)
    assert status["printer"] == status["escpos"]
    assert status["printers"][str(printer)]["name"] == "Counter"


async def test_print_receipt_sends_the_jpeg_as_a_raster_image_and_a_cut(
        waiter: Any, listener: PrinterListener) -> None:
    body = await rpc(waiter, "/hw_proxy/default_printer_action",
                     {"data": {"action": "print_receipt", "receipt": jpeg_receipt()}})
    assert result(body) is True
    (data,) = await printed(listener)
    assert data.startswith(constants.ESC + b"@")
    assert RASTER in data
    assert data.endswith((constants.PAPER_FULL_CUT, constants.PAPER_PART_CUT))
    assert DRAWER not in data


async def test_status_json_reports_the_printer_connected_after_a_print(
        waiter: Any, listener: PrinterListener, printer: int) -> None:
    result(await rpc(waiter, "/hw_proxy/default_printer_action",
                     {"data": {"action": "print_receipt", "receipt": jpeg_receipt()}}))
    await printed(listener)

    async def connected() -> None:
        while True:
            status = result(await rpc(waiter, "/hw_proxy/status_json"))
            if status["escpos"]["status"] == "connected":
                return
            await asyncio.sleep(0.05)
    await asyncio.wait_for(connected(), 20)


async def test_cashbox_sends_the_drawer_pulse(waiter: Any, listener: PrinterListener,
                                              printer: int) -> None:
    body = await rpc(waiter, "/hw_proxy/default_printer_action", {"data": {"action": "cashbox"}})
    assert result(body) is True
    (data,) = await printed(listener)
    assert DRAWER in data and RASTER not in data


async def test_hw_drivers_action_by_id_and_by_name(waiter: Any, listener: PrinterListener,
                                                   printer: int) -> None:
    # Odoo sends data as a JSON-encoded string
    body = await rpc(waiter, "/hw_drivers/action", {
        "session_id": "tab-1", "device_identifier": str(printer),
        "data": orjson.dumps({"action": "cashbox", "iot_idempotent_id": "k-1"}).decode()})
    assert result(body) is True
    (data,) = await printed(listener)
    assert DRAWER in data
    again = await rpc(waiter, "/hw_drivers/action", {
        "session_id": "tab-1", "device_identifier": str(printer),
        "data": {"action": "cashbox", "iot_idempotent_id": "k-1"}})
    assert result(again) is False                      # a repeated idempotent id
    by_name = await rpc(waiter, "/hw_drivers/action", {
        "session_id": "tab-1", "device_identifier": "Counter",
        "data": {"action": "print_receipt", "receipt": jpeg_receipt()}})
    assert result(by_name) is True
    jobs = await printed(listener, 2)
    assert RASTER in jobs[1]
    unknown = await rpc(waiter, "/hw_drivers/action", {
        "session_id": "tab-1", "device_identifier": "nowhere", "data": {"action": "cashbox"}})
    assert result(unknown) is False


async def test_open_cashbox_and_xml_receipt(waiter: Any, listener: PrinterListener,
                                            printer: int) -> None:
    assert "error" not in await rpc(waiter, "/hw_proxy/open_cashbox")
    xml = ("<receipt align='center' width='32'><div>Bistro Centrale</div>"
           "<line><left>2 x Espresso</left><right>5.00</right></line>"
           "<line><left>TOTAL</left><right>12.50</right></line><br/>"
           "<div>Thank you</div></receipt>")
    assert "error" not in await rpc(waiter, "/hw_proxy/print_xml_receipt", {"receipt": xml})
    drawer, receipt = await printed(listener, 2)
    assert DRAWER in drawer
    assert b"Bistro Centrale" in receipt
    assert b"2 x Espresso" + b" " * (32 - 12 - 4) + b"5.00" in receipt
    assert b"TOTAL" in receipt and b"12.50" in receipt
    assert DRAWER not in receipt


async def test_a_bad_receipt_image_is_an_error_and_prints_nothing(
        waiter: Any, listener: PrinterListener) -> None:
    body = await rpc(waiter, "/hw_proxy/default_printer_action",
                     {"data": {"action": "print_receipt",
                               "receipt": base64.b64encode(b"not a jpeg").decode()}})
    assert "error" in body
    assert "cannot be printed" in body["error"]["data"]["message"]
    assert listener.connections == []


async def test_event_waits_then_answers_a_printer_status_change(
        waiter: Any, listener: PrinterListener, printer: int, hw_orm: Orm) -> None:
    spec = {"listener": {"session_id": "tab-7", "devices": [str(printer)], "last_event": 0}}
    quiet = await rpc(waiter, "/hw_drivers/event", spec)
    assert "error" not in quiet and quiet.get("result") is None       # waited, nothing came

    await listener.stop()                               # the printer is switched off
    assert result(await rpc(waiter, "/hw_proxy/default_printer_action",
                            {"data": {"action": "cashbox"}})) is True

    async def offline() -> None:
        while True:
            rows = await hw_orm.run(lambda env: env["hw.printer"].read([printer], ["status"]))
            if rows[0]["status"] == "offline":
                return
            await asyncio.sleep(0.05)
    await asyncio.wait_for(offline(), 20)

    event = result(await rpc(waiter, "/hw_drivers/event", spec))
    assert event["device_identifier"] == str(printer)
    assert event["type"] == "printer_offline"
    assert event["state"]["status"] == "disconnected"
    assert event["session_id"] == "tab-7" and isinstance(event["time"], float)
    # given once: the same session's next poll waits again
    assert result(await rpc(waiter, "/hw_drivers/event", spec)) is None


async def test_each_print_job_reports_its_outcome_as_odoos_printer_does(
        waiter: Any, listener: PrinterListener, printer: int) -> None:
    """Odoo's printer driver answers every job with a status event (``success`` or
    ``error``); ours is sent when the job is recorded done (or given up)."""
    spec = {"listener": {"session_id": "tab-8", "devices": [str(printer)], "last_event": 0}}
    assert result(await rpc(waiter, "/hw_drivers/event", spec)) is None
    assert result(await rpc(waiter, "/hw_proxy/default_printer_action",
                            {"data": {"action": "print_receipt",
                                      "receipt": jpeg_receipt()}})) is True
    await printed(listener)
    event = result(await rpc(waiter, "/hw_drivers/event", spec))
    assert event["type"] == "print_job_done" and event["status"] == "success"
    assert event["device_identifier"] == str(printer) and event["message"] is None
    assert isinstance(event["job_id"], int)


async def test_scanner_input_resolves_the_product_and_reaches_the_event_listener(
        waiter: Any, hw_orm: Orm) -> None:
    (product,) = await hw_orm.run(lambda env: env["product.product"].search_read(
        [("barcode", "!=", False), ("available_in_pos", "=", True)], ["name", "barcode"],
        limit=1), login="waiter")
    spec = {"listener": {"session_id": "tab-9", "devices": ["scanner"], "last_event": 0}}
    assert result(await rpc(waiter, "/hw_drivers/event", spec)) is None
    scanned = result(await rpc(waiter, "/hw_drivers/scanner", {"code": product["barcode"]}))
    assert scanned["product"]["id"] == product["id"]
    event = result(await rpc(waiter, "/hw_drivers/event", spec))
    assert event["type"] == "scanner_input" and event["device_identifier"] == "scanner"
    assert event["value"] == product["barcode"]
    assert event["scan"]["product"]["name"] == product["name"]


ROUTES = ["/hw_proxy/handshake", "/hw_proxy/status_json", "/hw_proxy/default_printer_action",
          "/hw_proxy/print_xml_receipt", "/hw_proxy/open_cashbox", "/hw_drivers/action",
          "/hw_drivers/event", "/hw_drivers/scanner"]


async def test_the_gateway_serves_nobody_without_a_login(
        hw_client: Any, listener: PrinterListener, printer: int) -> None:
    response = await hw_client.get("/hw_proxy/hello")
    assert response.status == 401
    params = {"data": {"action": "cashbox"}, "device_identifier": str(printer),
              "listener": {"session_id": "x", "devices": []}, "code": "123",
              "receipt": "<receipt><div>x</div></receipt>"}
    for path in ROUTES:
        body = await rpc(hw_client, path, params)
        assert body["error"]["data"]["name"] == "odoo.http.SessionExpiredException", path
    assert listener.connections == []


async def test_the_gateway_answers_no_cors_wildcard(waiter: Any) -> None:
    response = await waiter.post("/hw_proxy/handshake", json=envelope({}),
                                 headers={"Origin": "http://elsewhere.example"})
    assert response.headers.get("Access-Control-Allow-Origin") != "*"


@pytest.mark.parametrize(("xml", "lines"), [
    ("<receipt width='20'><line><left>A</left><right>1.00</right></line></receipt>",
     ["A" + " " * 15 + "1.00"]),
    ("<receipt width='20'><div>Hello</div><div>World <b>!</b></div></receipt>",
     ["Hello", "World !"]),
    ("<receipt width='20'><h1>Title</h1><hr/><line><center>mid</center></line></receipt>",
     ["Title", "-" * 20, "mid".center(20).rstrip()]),
    ("<receipt width='20'><div>a<br/>b</div><img src='x'/></receipt>", ["a", "", "b"]),
])
def test_xml_receipt_text(xml: str, lines: list[str]) -> None:
    assert xml_receipt_text(xml) == "\n".join(lines) + "\n"


@pytest.mark.parametrize("xml", [
    "<!DOCTYPE r [<!ENTITY a 'aaaa'>]><receipt>&a;</receipt>",
    "<receipt><div>unclosed</receipt>", "", 42, "<receipt><img/></receipt>",
])
def test_xml_receipt_refused(xml: Any) -> None:
    with pytest.raises(ValidationError):
        xml_receipt_text(xml)
