"""Printer records and their status: validation on save, the poller, the bus events.

The poller probes a real TCP listener answering ``DLE EOT n`` with the status
bytes a test sets; the events are read back from ``bus_bus``.
"""
from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from hardware_bridge.status import StatusPoller
from models import security
from models.env import UserInfo
from models.exceptions import AccessError, ValidationError
from tests.hw_queue_child import (
    add_printer,
    backend_for,
    in_unit,
    prepare,
    registry_for,
)
from tests.printer_listener import COVER_OPEN, HEALTHY, PAPER_END, PrinterListener

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hw_status") / "template.sqlite3"
    prepare(str(path))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
async def env_parts(template: Path, tmp_path: Path,
                    listener: PrinterListener) -> AsyncIterator[tuple[Any, Any]]:
    path = tmp_path / "status.sqlite3"
    shutil.copyfile(template, path)
    backend, registry = backend_for(str(path)), registry_for(listener.port)
    await backend.start()
    yield backend, registry
    await backend.close()


def staff(groups: set[str]) -> UserInfo:
    return UserInfo(id=2, login="staff", name="Staff", partner_id=None, company_id=1,
                    company_ids=(1,), groups=security.implied_closure(frozenset(groups)))


async def bus_events(backend: Any, kind: str) -> list[tuple[str, dict[str, Any]]]:
    async def unit(cr: Any) -> list[tuple[str, dict[str, Any]]]:
        rows = await cr.fetchall("SELECT channel, message FROM bus_bus ORDER BY id")
        return [(channel, orjson.loads(message)) for channel, message in rows]
    return [(channel, message["payload"]) for channel, message in
            await backend.run_unit(unit, readonly=True) if message["type"] == kind]


async def status_of(backend: Any, registry: Any, printer: int) -> dict[str, Any]:
    return (await in_unit(backend, registry, lambda env: env["hw.printer"].read(
        [printer], ["status", "last_error", "last_check_date", "last_ok_date"])))[0]


# ---------------------------------------------------------------------------
# Saving a printer
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("values,field", [
    ({"host": "8.8.8.8"}, "host"),
    ({"host": "printer.local"}, "host"),
    ({"port": 22}, "port"),
    ({"paper_width": 72}, "paper_width"),
    ({"codepage": "klingon"}, "codepage"),
    ({"drawer_pin": 3}, "drawer_pin"),
    ({"connection": "usb", "device": "epson"}, "device"),
    ({"connection": "file", "device": "/etc/passwd"}, "device"),
    ({"connection": "cups", "device": "a b;rm"}, "device"),
])
async def test_a_printer_is_checked_when_saved(env_parts: tuple[Any, Any],
                                               listener: PrinterListener,
                                               values: dict[str, Any], field: str) -> None:
    backend, registry = env_parts
    with pytest.raises(ValidationError) as caught:
        await add_printer(backend, registry, listener.port, **values)
    assert field in caught.value.field_errors
    printer = await add_printer(backend, registry, listener.port)
    assert await in_unit(backend, registry,                            # nothing was kept
                         lambda env: env["hw.printer"].search_count([])) == 1
    with pytest.raises(ValidationError) as caught:
        await in_unit(backend, registry, lambda env: env["hw.printer"].write([printer], values))
    assert field in caught.value.field_errors


async def test_who_may_configure_printers(env_parts: tuple[Any, Any],
                                          listener: PrinterListener) -> None:
    backend, registry = env_parts
    printer = await add_printer(backend, registry, listener.port, codepage="cp858",
                                paper_width=58, role="kitchen")
    waiter, manager = staff({security.POS_USER}), staff({security.POS_MANAGER})
    with pytest.raises(AccessError):
        await in_unit(backend, registry,
                      lambda env: env["hw.printer"].write([printer], {"port": 9101}), waiter)
    await in_unit(backend, registry,
                  lambda env: env["hw.printer"].write([printer], {"name": "Kitchen"}), manager)
    with pytest.raises(ValidationError):      # status is the poller's, not anyone's to set
        await in_unit(backend, registry,
                      lambda env: env["hw.printer"].write([printer], {"status": "online"}), manager)
    rows = await in_unit(backend, registry, lambda env: env["hw.printer"].read(
        [printer], ["name", "paper_width", "codepage", "role", "status"]), waiter)
    assert rows[0] == {"id": printer, "name": "Kitchen", "paper_width": 58, "codepage": "cp858",
                       "role": "kitchen", "status": "unknown"}


# ---------------------------------------------------------------------------
# Polling
# ---------------------------------------------------------------------------

async def test_paper_out_is_reported_and_announced(env_parts: tuple[Any, Any],
                                                   listener: PrinterListener) -> None:
    backend, registry = env_parts
    printer = await add_printer(backend, registry, listener.port)
    poller = StatusPoller(backend, registry, timeout=2.0)
    assert await poller.poll_once() == {printer: "online"}
    assert [p["status"] for _c, p in await bus_events(backend, "printer_online")] == ["online"] * 3

    listener.status[4] = PAPER_END
    assert await poller.poll_once() == {printer: "paper_out"}
    row = await status_of(backend, registry, printer)
    assert row["status"] == "paper_out" and "paper out" in row["last_error"]
    events = await bus_events(backend, "printer_offline")
    assert {channel for channel, _p in events} == {
        "restaurant:1:kitchen", "restaurant:1:pos", "restaurant:1:management"}
    assert events[0][1] == {"printer_id": printer, "name": "Counter", "status": "paper_out",
                            "previous_status": "online", "last_error": row["last_error"],
                            "company_id": 1}

    listener.status.update({2: COVER_OPEN, 4: HEALTHY})
    assert await poller.poll_once() == {printer: "cover_open"}
    assert len(await bus_events(backend, "printer_offline")) == 3     # still down: no news


async def test_a_printer_that_is_off_goes_offline_and_comes_back(
        env_parts: tuple[Any, Any], listener: PrinterListener) -> None:
    backend, registry = env_parts
    printer = await add_printer(backend, registry, listener.port)
    woken: list[int] = []
    poller = StatusPoller(backend, registry, timeout=1.0, on_online=woken.append)
    await listener.stop()
    assert await poller.poll_once() == {printer: "offline"}
    row = await status_of(backend, registry, printer)
    assert row["status"] == "offline" and row["last_check_date"]
    events = await bus_events(backend, "printer_offline")
    assert len(events) == 3 and events[0][1]["status"] == "offline"
    assert events[0][1]["previous_status"] == "unknown"
    assert await poller.poll_once() == {printer: "offline"}
    assert len(await bus_events(backend, "printer_offline")) == 3      # once per change

    await listener.start()
    assert await poller.poll_once() == {printer: "online"}
    assert woken == [printer]                                          # the queue is woken
    online = await bus_events(backend, "printer_online")
    assert len(online) == 3 and online[0][1]["previous_status"] == "offline"
    assert (await status_of(backend, registry, printer))["last_error"] is False


async def test_a_silent_printer_keeps_its_status(env_parts: tuple[Any, Any],
                                                 listener: PrinterListener) -> None:
    backend, registry = env_parts
    printer = await add_printer(backend, registry, listener.port)
    listener.answer_status = False           # reachable, but no real-time status support
    poller = StatusPoller(backend, registry, timeout=0.3)
    assert await poller.poll_once() == {printer: "unknown"}
    assert (await status_of(backend, registry, printer))["status"] == "unknown"
    await in_unit(backend, registry,
                  lambda env: env["hw.printer"]._record_status(printer, "online", printed=True))
    await poller.poll_once()
    row = await status_of(backend, registry, printer)
    assert row["status"] == "online" and row["last_ok_date"]
    assert len(await bus_events(backend, "printer_online")) == 3
    assert await bus_events(backend, "printer_offline") == []


async def test_archived_printers_are_not_polled(env_parts: tuple[Any, Any],
                                                listener: PrinterListener) -> None:
    backend, registry = env_parts
    printer = await add_printer(backend, registry, listener.port)
    await in_unit(backend, registry,
                  lambda env: env["hw.printer"].write([printer], {"active": False}))
    assert await StatusPoller(backend, registry).poll_once() == {}


async def test_a_printer_being_printed_to_is_not_probed(env_parts: tuple[Any, Any],
                                                        listener: PrinterListener) -> None:
    backend, registry = env_parts
    printer = await add_printer(backend, registry, listener.port)
    poller = StatusPoller(backend, registry, busy=lambda printer_id: printer_id == printer)
    assert await poller.poll_once() == {}
    assert listener.connections == []
