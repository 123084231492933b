"""The durable print queue: every job stored first, sent once, in order, through faults.

Against a real TCP listener on 127.0.0.1 (tests/printer_listener.py) and real
SQLite files: the worker in this process for the state machine and the
offline fault, and in a child process killed with SIGKILL mid-send for the
crash guarantee (printed again at most once, and then marked COPY).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from gateway import bootstrap
from hardware_bridge.queue import COPY_BANNER, PrintQueue
from models import make_registry, security
from models.db import make_backend
from models.env import UserInfo
from models.exceptions import (
    AccessError,
    InvalidStateTransition,
    MissingError,
    ValidationError,
)
from models.hardware import backoff
from tests.conftest import BACKENDS
from tests.hw_queue_child import (
    add_printer,
    backend_for,
    in_unit,
    loopback_policy,
    prepare,
    receipt,
    registry_for,
)
from tests.printer_listener import PrinterListener
from tests.test_cli import empty_pg_database

pytestmark = pytest.mark.timeout(60)

CHILD = Path(__file__).with_name("hw_queue_child.py")
FAST: dict[str, float] = {"backoff_base": 0.2, "backoff_max": 1.0, "poll_interval": 0.5,
                          "send_timeout": 5.0, "connect_timeout": 1.0, "linger": 1.0}


@pytest.fixture(scope="session")
def hw_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hw") / "template.sqlite3"
    prepare(str(path))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db_path(hw_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "bridge.sqlite3"
    shutil.copyfile(hw_template, target)
    return target


class Bridge:
    """A backend, a registry allowing the listener, and a queue worker in this process."""

    def __init__(self, path: Path, port: int) -> None:
        self.backend = backend_for(str(path))
        self.registry = registry_for(port)
        self.port = port
        self.queue = PrintQueue(self.backend, self.registry, **FAST)

    async def unit(self, fn: Any, user: Any = None) -> Any:
        return await in_unit(self.backend, self.registry, fn, user)

    async def enqueue(self, printer_id: int, payload: bytes, kind: str = "receipt") -> int:
        job = await self.unit(lambda env: env["hw.print.job"]._enqueue(printer_id, payload, kind))
        self.queue.wake(printer_id)
        return job

    async def jobs(self, printer_id: int) -> list[dict[str, Any]]:
        return await self.unit(lambda env: env["hw.print.job"].search_read(
            [("printer_id", "=", printer_id)], ["state", "attempts", "is_copy", "last_error"],
            order="id"))


@pytest.fixture
async def bridge(db_path: Path, listener: PrinterListener) -> AsyncIterator[Bridge]:
    bridge = Bridge(db_path, listener.port)
    await bridge.backend.start()
    yield bridge
    await bridge.queue.stop(grace=1.0)
    await bridge.backend.close()


def user(groups: set[str], company_id: int = 1) -> UserInfo:
    return UserInfo(id=2, login="staff", name="Staff", partner_id=None, company_id=company_id,
                    company_ids=(company_id,), groups=security.implied_closure(frozenset(groups)))


async def test_jobs_are_sent_once_in_order_and_recorded(bridge: Bridge,
                                                        listener: PrinterListener) -> None:
    printer = await add_printer(bridge.backend, bridge.registry, listener.port)
    payloads = [receipt(n) for n in range(1, 4)]
    for payload in payloads:
        await bridge.enqueue(printer, payload)
    await bridge.queue.start()
    await asyncio.wait_for(bridge.queue.wait_idle([printer]), 20)
    await listener.wait_for(lambda: len(listener.jobs()) == 3)
    assert listener.jobs() == payloads
    jobs = await bridge.jobs(printer)
    assert [(j["state"], j["attempts"], j["is_copy"]) for j in jobs] == [("done", 1, False)] * 3
    status = await bridge.unit(lambda env: env["hw.printer"].read([printer], ["status"]))
    assert status[0]["status"] == "online"


async def test_offline_printer_keeps_its_20_jobs_and_prints_each_once_in_order(
        bridge: Bridge, listener: PrinterListener) -> None:
    printer = await add_printer(bridge.backend, bridge.registry, listener.port)
    await listener.stop()
    await bridge.queue.start()
    payloads = [receipt(n) for n in range(1, 21)]
    for payload in payloads:
        await bridge.enqueue(printer, payload)

    async def head_retried() -> None:
        while True:
            jobs = await bridge.jobs(printer)
            if jobs[0]["attempts"] >= 2:
                return
            await asyncio.sleep(0.05)
    await asyncio.wait_for(head_retried(), 20)
    jobs = await bridge.jobs(printer)
    # nothing lost, nothing skipped; the head alternates between waiting and being tried
    assert jobs[0]["state"] in ("queued", "sending")
    assert [j["state"] for j in jobs[1:]] == ["queued"] * 19
    assert all(j["attempts"] == 0 for j in jobs[1:])             # only the head was tried
    assert "cannot connect" in jobs[0]["last_error"]
    printer_row = await bridge.unit(lambda env: env["hw.printer"].read([printer], ["status"]))
    assert printer_row[0]["status"] == "offline"

    await listener.start()                                       # same port: switched back on
    await asyncio.wait_for(bridge.queue.wait_idle([printer]), 20)
    await listener.wait_for(lambda: len(listener.jobs()) == 20)
    assert listener.jobs() == payloads
    assert [j["state"] for j in await bridge.jobs(printer)] == ["done"] * 20


async def test_a_job_cut_off_mid_send_is_recovered_as_a_copy(bridge: Bridge,
                                                             listener: PrinterListener) -> None:
    printer = await add_printer(bridge.backend, bridge.registry, listener.port)
    first, second = receipt(1), receipt(2)
    done_id = await bridge.enqueue(printer, first)
    cut_id = await bridge.enqueue(printer, second)
    # what a worker killed between its claim and its "done" leaves behind
    assert (await bridge.unit(lambda env: env["hw.print.job"]._claim(printer))).id == done_id
    await bridge.unit(lambda env: env["hw.print.job"]._mark_done(done_id))
    assert (await bridge.unit(lambda env: env["hw.print.job"]._claim(printer))).id == cut_id

    await bridge.queue.start()
    assert bridge.queue.recovered == [cut_id]
    await asyncio.wait_for(bridge.queue.wait_idle([printer]), 20)
    await listener.wait_for(lambda: len(listener.jobs()) == 1)
    assert listener.jobs() == [COPY_BANNER + second]             # the done job never again
    assert b"*** COPY ***" in COPY_BANNER and COPY_BANNER.startswith(b"\x1b@")
    jobs = await bridge.jobs(printer)
    assert [(j["state"], j["is_copy"], j["attempts"]) for j in jobs] == [
        ("done", False, 1), ("done", True, 2)]


async def test_a_printer_that_cannot_work_fails_its_job_at_once(
        db_path: Path, listener: PrinterListener) -> None:
    # stored while the policy allowed it; the worker's policy no longer does
    bridge = Bridge(db_path, listener.port)
    await bridge.backend.start()
    try:
        printer = await add_printer(bridge.backend, bridge.registry, listener.port)
        job = await bridge.enqueue(printer, receipt(1))
        bridge.queue = PrintQueue(bridge.backend, registry_for(1), **FAST)
        await bridge.queue.start()
        await asyncio.wait_for(bridge.queue.wait_idle([printer]), 20)
        jobs = await bridge.jobs(printer)
        assert (jobs[0]["state"], jobs[0]["attempts"]) == ("failed", 1)
        assert "outside the allowed printer networks" in jobs[0]["last_error"] \
            or "not an allowed printer port" in jobs[0]["last_error"]
        assert listener.connections == []                        # refused before connecting
        events = [orjson.loads(message) for (message,) in await bridge.unit(
            lambda env: env.cr.fetchall("SELECT message FROM bus_bus ORDER BY id"))]
        given_up = [e["payload"] for e in events if e["type"] == "print_job_failed"]
        assert given_up and {p["job_id"] for p in given_up} == {job}   # one row per audience
        assert all(p["error"] for p in given_up)
        assert not [e for e in events if e["type"] == "print_job_done"]

        cashier, manager = user({security.POS_USER}), user({security.POS_MANAGER})
        with pytest.raises(AccessError):
            await bridge.unit(lambda env: env["hw.print.job"].action_retry([job]), cashier)
        await bridge.unit(lambda env: env["hw.print.job"].action_retry([job]), manager)
        assert (await bridge.jobs(printer))[0]["state"] == "queued"
        await bridge.unit(lambda env: env["hw.print.job"].action_cancel([job]), cashier)
        assert (await bridge.jobs(printer))[0]["state"] == "cancelled"
        with pytest.raises(InvalidStateTransition):
            await bridge.unit(lambda env: env["hw.print.job"].action_cancel([job]), cashier)
    finally:
        await bridge.queue.stop(grace=1.0)
        await bridge.backend.close()


async def test_jobs_are_created_by_printing_only(bridge: Bridge,
                                                 listener: PrinterListener) -> None:
    printer = await add_printer(bridge.backend, bridge.registry, listener.port)
    manager = user({security.POS_MANAGER})
    with pytest.raises(AccessError):
        await bridge.unit(lambda env: env["hw.print.job"].create(
            {"printer_id": printer, "payload": "G0A=", "company_id": 1}), manager)
    with pytest.raises(ValidationError):
        await bridge.unit(lambda env: env["hw.print.job"]._enqueue(printer, b""), manager)
    job = await bridge.unit(lambda env: env["hw.print.job"]._enqueue(
        printer, b"\x1b@hi\n", "kitchen", snapshot={"lines": [1]}), manager)
    rows = await bridge.unit(lambda env: env["hw.print.job"].list_jobs(printer), manager)
    assert [(r["id"], r["state"], r["kind"], r["size"]) for r in rows] == [(job, "queued", "kitchen", 5)]
    assert "payload" not in rows[0]
    other_company = user({security.POS_MANAGER}, company_id=999)
    with pytest.raises(MissingError):     # another restaurant's printer: not found
        await bridge.unit(lambda env: env["hw.print.job"]._enqueue(printer, b"x"), other_company)
    snapshot = await bridge.unit(lambda env: env["hw.print.job"].read([job], ["snapshot"]))
    assert orjson.loads(snapshot[0]["snapshot"]) == {"lines": [1]}


@pytest.mark.parametrize("attempts,expected", [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (30, 1.0)])
def test_backoff_doubles_up_to_its_cap(attempts: int, expected: float) -> None:
    assert backoff(attempts, base=0.2, cap=1.0) == pytest.approx(expected)


# ---------------------------------------------------------------------------
# SIGKILL in the middle of a send
# ---------------------------------------------------------------------------

async def _start_child(db_path: Path, port: int) -> asyncio.subprocess.Process:
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(db_path), str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=str(CHILD.parent.parent)))
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), 30)
    assert line.strip() == b"ready"
    return child


def _states(db_path: Path) -> dict[int, str]:
    with sqlite3.connect(db_path, timeout=5) as conn:
        return dict(conn.execute("SELECT id, state FROM hw_print_job ORDER BY id").fetchall())


async def _until(predicate: Any, timeout: float = 20.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(poll(), timeout)


async def test_sigkill_mid_send_loses_nothing_and_reprints_only_the_cut_job_as_copy(
        db_path: Path, listener: PrinterListener) -> None:
    bridge = Bridge(db_path, listener.port)
    await bridge.backend.start()
    printer = await add_printer(bridge.backend, bridge.registry, listener.port)
    payloads = {await bridge.enqueue(printer, receipt(n, lines=20)): receipt(n, lines=20)
                for n in range(1, 9)}
    await bridge.backend.close()
    ids = sorted(payloads)

    listener.pause(from_connection=3)          # the 4th job stalls: the printer stops reading
    child = await _start_child(db_path, listener.port)
    try:
        await _until(lambda: list(_states(db_path).values())[:4] == ["done"] * 3 + ["sending"])
        await listener.wait_for(lambda: len(listener.connections) == 4)
        before_kill = _states(db_path)
        child.send_signal(signal.SIGKILL)
        await child.wait()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    done_before = {job for job, state in before_kill.items() if state == "done"}
    assert done_before == set(ids[:3])

    listener.resume()
    await listener.wait_for(lambda: 3 in listener.closed)   # what the dead process had sent
    child = await _start_child(db_path, listener.port)
    try:
        await _until(lambda: set(_states(db_path).values()) == {"done"})
    finally:
        child.kill()
        await child.wait()
    await listener.wait_for(listener.all_closed)

    received = listener.jobs()
    by_job: dict[int, list[bytes]] = {job: [] for job in ids}
    for data in received:
        owners = [job for job, payload in payloads.items() if payload[:16] in data]
        assert len(owners) == 1, data[:40]
        by_job[owners[0]].append(data)
    assert all(by_job[job] for job in ids), "a job was never received"
    for job in done_before:
        assert by_job[job] == [payloads[job]], "a job recorded done was printed again"
    again = [job for job in ids if len(by_job[job]) > 1]
    assert len(again) <= 1
    for job in again:
        assert len(by_job[job]) == 2
        assert by_job[job][1] == COPY_BANNER + payloads[job]
    assert again == [ids[3]]                   # the one cut off in the middle
    # in order: each job first reached the printer after the one before it
    first = [next(i for i, data in enumerate(received) if payloads[job][:16] in data)
             for job in ids]
    assert first == sorted(first)


# ---------------------------------------------------------------------------
# The state machine on both databases
# ---------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bridge.sqlite3'}"
    else:
        with empty_pg_database() as url:
            yield url


async def test_job_life_cycle(empty_url: str, listener: PrinterListener) -> None:
    backend = make_backend(empty_url, pool_size=2)
    bootstrap.migrate_schema(backend)
    registry = make_registry(backend.kind, {"bcrypt_rounds": 4,
                                            "printer_address_policy": loopback_policy(listener.port)})
    await bootstrap.install_base(backend, registry, "admin")
    await backend.start()
    queue = PrintQueue(backend, registry, **FAST)
    try:
        printer = await add_printer(backend, registry, listener.port)
        payload = bytes(range(256)) * 4                      # every byte value, NUL included
        job = await in_unit(backend, registry,
                            lambda env: env["hw.print.job"]._enqueue(printer, payload, "raw"))

        async def run(method: str, *args: Any, **kwargs: Any) -> Any:
            return await in_unit(backend, registry, lambda env: getattr(
                env["hw.print.job"], method)(*args, **kwargs))

        claimed = await run("_claim", printer)
        assert (claimed.id, claimed.payload, claimed.attempts, claimed.copy) == (job, payload, 1, False)
        assert await run("_claim", printer) is None                  # one sender at a time
        assert await run("_mark_failed", job, "cannot connect", base=30.0, cap=60.0) == "queued"
        assert await run("_claim", printer) is None                  # backing off
        assert 29 <= await run("_seconds_until_due", printer) <= 31
        Job = registry["hw.print.job"]
        await backend.run_unit(lambda cr: cr.run(Job.update({Job.next_try_date: None})))
        assert (await run("_claim", printer)).attempts == 2
        assert await run("_recover") == [job]                        # the process died here
        await queue.start()
        await asyncio.wait_for(queue.wait_idle([printer]), 20)
        await listener.wait_for(lambda: len(listener.jobs()) == 1)
        assert listener.jobs() == [COPY_BANNER + payload]
        assert await run("_recover") == []                           # done is never touched
        rows = await run("search_read", [("id", "=", job)], ["state", "attempts", "is_copy"])
        assert rows == [{"id": job, "state": "done", "attempts": 3, "is_copy": True}]
        status = await in_unit(backend, registry, lambda env: env["hw.printer"].read(
            [printer], ["status", "last_ok_date"]))
        assert status[0]["status"] == "online" and status[0]["last_ok_date"]
    finally:
        await queue.stop(grace=1.0)
        await backend.close()
