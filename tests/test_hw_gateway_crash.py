"""The print queue's crash guarantee on the gateway itself (issue 6): ``gateway serve`` is
killed with SIGKILL while a job is on its way to the printer (a real TCP listener that
stops reading); after a restart every job has been received, none recorded done is
received twice, and only the job cut off is received again, under the COPY banner.

tests/test_hw_standalone.py shows the same of ``python -m hardware_bridge``; this one
goes through the REST API of a real gateway process on its own SQLite file.
"""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hardware_bridge.queue import COPY_BANNER
from tests.printer_listener import PrinterListener
from tests.test_cli import cli_template  # noqa: F401
from tests.test_server import Server, prepared  # noqa: F401

pytestmark = pytest.mark.timeout(120)


async def until(predicate: Any, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


def database(env: dict[str, str]) -> Path:
    (path,) = Path(env["GATEWAY_DATA_DIR"]).glob("*.sqlite3")
    return path


def jobs(env: dict[str, str]) -> list[tuple[int, str, bytes]]:
    with sqlite3.connect(database(env), timeout=5) as conn:
        return [(row[0], row[1], bytes(row[2])) for row in conn.execute(
            "SELECT id, state, payload FROM hw_print_job ORDER BY id")]


async def test_sigkill_of_the_gateway_mid_send_loses_nothing_and_marks_the_reprint(
        prepared: dict[str, str], tmp_path: Path,  # noqa: F811
        listener: PrinterListener) -> None:
    env = dict(prepared, GATEWAY_PRINTER_NETWORKS="127.0.0.1/32",
               GATEWAY_PRINTER_PORTS=str(listener.port), GATEWAY_PRINTER_STATUS_INTERVAL="0")
    listener.pause(from_connection=3)             # the 4th job stalls: the printer stops reading
    server = Server(env, tmp_path).start()
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{server.api_port}") as http:
            async with http.post("/api/v1/auth/login",
                                 json={"username": "manager", "password": "manager"}) as r:
                token = (await r.json())["data"]["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            async with http.post("/api/v1/hardware/printers", headers=auth, json={
                    "name": "Counter", "connection": "network", "host": "127.0.0.1",
                    "port": listener.port, "role": "receipt"}) as r:
                assert r.status == 201, await r.text()
                printer = (await r.json())["data"]["id"]
            for number in range(1, 9):
                text = f"JOB {number}\n" + "".join(f"line {i} of job {number}\n"
                                                   for i in range(40))
                async with http.post("/api/v1/hardware/printer/print", headers=auth,
                                     json={"text": text, "printer_id": printer}) as r:
                    assert r.status == 202, await r.text()

        async def three_done_one_sending() -> bool:
            return [state for _id, state, _ in jobs(env)][:4] == ["done"] * 3 + ["sending"]
        await until(three_done_one_sending)
        await listener.wait_for(lambda: len(listener.connections) == 4)
        server.kill()                                # SIGKILL
    finally:
        server.kill()
    before = {job: state for job, state, _ in jobs(env)}
    payloads = {job: payload for job, _, payload in jobs(env)}
    ids = sorted(payloads)
    done_before = {job for job, state in before.items() if state == "done"}
    assert done_before == set(ids[:3])

    listener.resume()
    await listener.wait_for(lambda: 3 in listener.closed)   # what the dead process had sent
    again = Server(env, tmp_path).start()
    try:
        async def all_done() -> bool:
            return {state for _id, state, _ in jobs(env)} == {"done"}
        await until(all_done)
        await listener.wait_for(listener.all_closed)
    finally:
        again.kill()

    received = listener.jobs()
    by_job: dict[int, list[bytes]] = {job: [] for job in ids}
    for data in received:
        owners = [job for job, payload in payloads.items() if payload in data]
        assert len(owners) == 1, data[:60]
        by_job[owners[0]].append(data)
    assert all(by_job[job] for job in ids), "a job was never received"
    for job in done_before:
        assert by_job[job] == [payloads[job]], "a job recorded done was printed again"
    assert [job for job in ids if len(by_job[job]) > 1] == [ids[3]]   # only the one cut off
    assert by_job[ids[3]][1] == COPY_BANNER + payloads[ids[3]]
    first = [next(i for i, data in enumerate(received) if payloads[job] in data) for job in ids]
    assert first == sorted(first)                                    # in order
