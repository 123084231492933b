"""``python -m hardware_bridge`` as the shop runs it: a process of its own on a TOML file,
its queue in a local SQLite file, the IoT-box routes on its port, and a real TCP listener
on 127.0.0.1 as its printer.

The issue's fault test runs against it: twenty receipts sent while the printer is off
come out once each, in order, when it is back; and the bridge killed with SIGKILL while
a receipt is on the wire loses nothing, never prints a receipt recorded as done again,
and prints the one cut off again under its COPY banner.
"""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hardware_bridge.queue import COPY_BANNER
from hardware_bridge.standalone import ConfigError, parse_config
from tests.printer_listener import PrinterListener
from tests.support import envelope
from tests.test_hw_iot import DRAWER, RASTER, jpeg_receipt

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parent.parent
MARK = re.compile(rb"JOB-(\d{3})")


def write_config(tmp_path: Path, printer_port: int, allowed: str = "127.0.0.0/8") -> Path:
    path = tmp_path / "bridge.toml"
    path.write_text(f"""
[server]
host = "127.0.0.1"
port = 0
allowed_clients = ["{allowed}"]

[storage]
data_dir = "data"

[hardware]
printer_networks = ["127.0.0.0/8"]
printer_ports = [{printer_port}]
status_interval = 0
send_timeout = 30
retry_base = 0.2
retry_max = 1.0
poll_interval = 0.5
longpolling_timeout = 1

[[printers]]
name = "Counter"
connection = "network"
host = "127.0.0.1"
port = {printer_port}
paper_width = 80
role = "receipt"
""")
    return path


class BridgeProcess:
    """``python -m hardware_bridge --config ...`` in a child process."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""

    async def start(self) -> BridgeProcess:
        log = self._log()
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "hardware_bridge", "--config", str(self.config),
                "--log-level", "warning", cwd=str(ROOT), stdout=asyncio.subprocess.PIPE,
                stderr=log, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        finally:
            log.close()
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        found = re.search(rb"ready on (http://\S+)", line)
        assert found, (line, (self.config.parent / "bridge.log").read_text())
        self.url = found.group(1).decode()
        return self

    def _log(self) -> Any:
        """The child's stderr, kept beside its config for a failing test to show."""
        return (self.config.parent / "bridge.log").open("ab")

    async def kill(self, signum: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signum)
            await self.process.wait()

    @property
    def database(self) -> Path:
        return self.config.parent / "data" / "bridge.sqlite3"

    def jobs(self) -> list[tuple[int, str, int, bytes]]:
        """(id, state, attempts, payload) of every job, read from the bridge's file."""
        with sqlite3.connect(self.database, timeout=5) as conn:
            return [(row[0], row[1], row[2], bytes(row[3])) for row in conn.execute(
                "SELECT id, state, attempts, payload FROM hw_print_job ORDER BY id")]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest.fixture
async def bridges() -> AsyncIterator[list[BridgeProcess]]:
    started: list[BridgeProcess] = []
    yield started
    for bridge in started:
        await bridge.kill(signal.SIGTERM)


async def call(http: aiohttp.ClientSession, bridge: BridgeProcess, path: str,
               params: dict[str, Any] | None = None) -> dict[str, Any]:
    async with http.post(bridge.url + path, json=envelope(params or {})) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        return await response.json()


def receipt_xml(number: int, lines: int = 3) -> str:
    rows = "".join(f"<line><left>line {n} of job {number}</left><right>{n}.00</right></line>"
                   for n in range(lines))
    return f"<receipt width='42'><div>JOB-{number:03d}</div>{rows}</receipt>"


async def until(predicate: Any, timeout: float = 30.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(poll(), timeout)


def marks(data: bytes) -> list[int]:
    return [int(m) for m in MARK.findall(data)]


async def test_the_bridge_prints_what_the_pos_sends(
        tmp_path: Path, listener: PrinterListener, http: aiohttp.ClientSession,
        bridges: list[BridgeProcess]) -> None:
    bridge = await BridgeProcess(write_config(tmp_path, listener.port)).start()
    bridges.append(bridge)
    async with http.get(bridge.url + "/hw_proxy/hello") as response:
        assert await response.text() == "ping"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    async with http.options(bridge.url + "/hw_proxy/default_printer_action",
                            headers={"Origin": "http://pos.example",
                                     "Access-Control-Request-Method": "POST"}) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert (await call(http, bridge, "/hw_proxy/handshake"))["result"] is True

    body = await call(http, bridge, "/hw_proxy/default_printer_action",
                      {"data": {"action": "print_receipt", "receipt": jpeg_receipt()}})
    assert body["result"] is True
    body = await call(http, bridge, "/hw_proxy/default_printer_action",
                      {"data": {"action": "cashbox"}})
    assert body["result"] is True
    await listener.wait_for(lambda: len(listener.jobs()) == 2)
    picture, drawer = listener.jobs()
    assert RASTER in picture and DRAWER not in picture
    assert DRAWER in drawer
    status = (await call(http, bridge, "/hw_proxy/status_json"))["result"]
    assert status["escpos"]["status"] == "connected"
    assert [p["name"] for p in status["printers"].values()] == ["Counter"]


async def test_twenty_jobs_sent_while_the_printer_is_off_come_out_once_in_order(
        tmp_path: Path, listener: PrinterListener, http: aiohttp.ClientSession,
        bridges: list[BridgeProcess]) -> None:
    await listener.stop()                                     # the printer is off
    bridge = await BridgeProcess(write_config(tmp_path, listener.port)).start()
    bridges.append(bridge)
    for number in range(1, 21):
        body = await call(http, bridge, "/hw_proxy/print_xml_receipt",
                          {"receipt": receipt_xml(number)})
        assert "error" not in body, body
    await until(lambda: bridge.jobs()[0][2] >= 2)            # the head was retried
    jobs = bridge.jobs()
    assert jobs[0][1] in ("queued", "sending")               # the head is being retried
    assert [job[1] for job in jobs[1:]] == ["queued"] * 19    # the rest wait, in order
    assert listener.connections == []

    await listener.start()                                    # switched back on, same port
    await until(lambda: {job[1] for job in bridge.jobs()} == {"done"})
    await listener.wait_for(lambda: len(listener.jobs()) == 20)
    received = listener.jobs()
    assert [marks(data) for data in received] == [[n] for n in range(1, 21)]
    assert received == [job[3] for job in bridge.jobs()]      # each exactly as stored
    assert not any(COPY_BANNER in data for data in received)


async def test_sigkill_mid_send_loses_nothing_and_reprints_only_the_cut_job_as_copy(
        tmp_path: Path, listener: PrinterListener, http: aiohttp.ClientSession,
        bridges: list[BridgeProcess]) -> None:
    config = write_config(tmp_path, listener.port)
    listener.pause(from_connection=3)            # the 4th job stalls: the printer stops reading
    bridge = await BridgeProcess(config).start()
    bridges.append(bridge)
    for number in range(1, 9):
        body = await call(http, bridge, "/hw_proxy/print_xml_receipt",
                          {"receipt": receipt_xml(number, lines=20)})
        assert "error" not in body, body
    await until(lambda: [job[1] for job in bridge.jobs()][:4] == ["done"] * 3 + ["sending"])
    await listener.wait_for(lambda: len(listener.connections) == 4)
    before_kill = {job[0]: job[1] for job in bridge.jobs()}
    await bridge.kill(signal.SIGKILL)
    done_before = {job for job, state in before_kill.items() if state == "done"}
    payloads = {job[0]: job[3] for job in bridge.jobs()}
    ids = sorted(payloads)
    assert done_before == set(ids[:3])

    listener.resume()
    await listener.wait_for(lambda: 3 in listener.closed)    # what the dead process had sent
    again_bridge = await BridgeProcess(config).start()
    bridges.append(again_bridge)
    await until(lambda: {job[1] for job in again_bridge.jobs()} == {"done"})
    await listener.wait_for(listener.all_closed)

    received = listener.jobs()
    by_job: dict[int, list[bytes]] = {job: [] for job in ids}
    for data in received:
        owners = [job for job, payload in payloads.items() if payload[:200] in data]
        assert len(owners) == 1, data[:60]
        by_job[owners[0]].append(data)
    assert all(by_job[job] for job in ids), "a job was never received"
    for job in done_before:
        assert by_job[job] == [payloads[job]], "a job recorded done was printed again"
    again = [job for job in ids if len(by_job[job]) > 1]
    assert again == [ids[3]]                                  # only the one cut off
    assert len(by_job[ids[3]]) == 2
    assert by_job[ids[3]][1] == COPY_BANNER + payloads[ids[3]]
    first = [next(i for i, data in enumerate(received) if payloads[job][:200] in data)
             for job in ids]
    assert first == sorted(first)                             # in order


async def test_the_bridge_serves_only_its_allowed_networks(
        tmp_path: Path, listener: PrinterListener, http: aiohttp.ClientSession,
        bridges: list[BridgeProcess]) -> None:
    bridge = await BridgeProcess(write_config(tmp_path, listener.port,
                                              allowed="10.0.0.0/8")).start()
    bridges.append(bridge)
    async with http.get(bridge.url + "/hw_proxy/hello") as response:
        assert response.status == 403
    async with http.post(bridge.url + "/hw_proxy/default_printer_action",
                         json=envelope({"data": {"action": "cashbox"}})) as response:
        assert response.status == 403
    assert listener.connections == []


@pytest.mark.parametrize(("data", "error"), [
    ({"server": {"port": "80"}}, "server.port"),
    ({"server": {"allowed_clients": ["not a network"]}}, "server.allowed_clients"),
    ({"server": {"colour": "red"}}, "server.colour: unknown key"),
    ({"kitchen": {}}, "unknown table [kitchen]"),
    ({"hardware": {"printer_ports": ["9100-9000"]}}, "hardware.printer_ports"),
    ({"hardware": {"printer_devices": ["dev/lp0"]}}, "hardware.printer_devices"),
    ({"printers": [{"host": "10.0.0.5"}]}, "printers[0].name: required"),
    ({"printers": [{"name": "A", "role": "fax"}]}, "printers[0].role"),
    ({"printers": [{"name": "A", "paper": 80}]}, "printers[0]: unknown keys paper"),
    ({"printers": [{"name": "A"}, {"name": "A"}]}, "same name"),
])
def test_bad_configurations_are_named(data: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    assert error in str(raised.value)


def test_a_configuration_is_read(tmp_path: Path) -> None:
    config = parse_config({"server": {"port": 9000},
                           "hardware": {"printer_ports": [9100, "9102-9103"]},
                           "printers": [{"name": "Bar", "role": "bar"}]}, str(tmp_path))
    assert config.port == 9000 and config.printer_ports == (9100, 9102, 9103)
    assert config.database_path == str(tmp_path / "bridge-data" / "bridge.sqlite3")
    assert config.printers == ({"name": "Bar", "role": "bar"},)


async def test_a_printer_outside_the_address_policy_stops_the_start(tmp_path: Path) -> None:
    config = write_config(tmp_path, 9100)
    config.write_text(config.read_text().replace("port = 9100\npaper_width", "port = 22\n"
                                                                             "paper_width"))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hardware_bridge", "--config", str(config), cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 2 and b"ready" not in out
    assert b"'Counter'" in err and b"port 22" in err
