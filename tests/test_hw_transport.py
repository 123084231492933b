"""Transports: the printer address policy, raw TCP sends, device files, real-time status.

Network sends go to a real TCP listener on 127.0.0.1; the policy is a table
of addresses that must be refused before any connection is opened.
"""
from __future__ import annotations

import asyncio
import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest
from escpos import constants
from escpos.printer import Dummy

from hardware_bridge import transport
from hardware_bridge.queue import PrintQueue
from hardware_bridge.transport import (
    AddressPolicy,
    AddressRefused,
    PrinterConfigError,
    PrinterOffline,
)
from models.exceptions import ValidationError
from models.hardware import DEFAULT_POLICY, PrinterSpec
from tests.hw_queue_child import (
    add_printer,
    backend_for,
    in_unit,
    prepare_async,
    registry_for,
)
from tests.printer_listener import COVER_OPEN, HEALTHY, PAPER_END, PrinterListener

pytestmark = pytest.mark.timeout(30)


def spec(port: int = 9100, host: str | None = "127.0.0.1", connection: str = "network",
         device: str | None = None) -> PrinterSpec:
    return PrinterSpec(1, "Counter", 1, connection, host, port, device, 80, "cp437", 2,
                       "receipt", "unknown")


# ---------------------------------------------------------------------------
# The address policy
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("host,port,refusal", [
    ("192.168.1.50", 9100, None),
    ("10.0.0.7", 9105, None),
    ("172.16.4.2", 9109, None),
    ("fd12:3456::5", 9100, None),
    ("[fd12:3456::5]", 9100, None),
    ("8.8.8.8", 9100, "outside the allowed printer networks"),          # public
    ("2001:4860:4860::8888", 9100, "outside the allowed printer networks"),
    ("127.0.0.1", 9100, "outside the allowed printer networks"),        # loopback: not by default
    ("::1", 9100, "outside the allowed printer networks"),
    ("169.254.169.254", 9100, "outside the allowed printer networks"),  # cloud metadata
    ("172.32.0.1", 9100, "outside the allowed printer networks"),       # just past 172.16/12
    ("printer.local", 9100, "not an IP address"),                      # names are not resolved
    ("localhost", 9100, "not an IP address"),
    ("192.168.1.50", 22, "not an allowed printer port"),
    ("192.168.1.50", 6379, "not an allowed printer port"),
    ("192.168.1.50", 9110, "not an allowed printer port"),
    ("192.168.1.50", "9100", "not an allowed printer port"),
    ("", 9100, "needs an IP address"),
    (None, 9100, "needs an IP address"),
])
def test_default_policy(host: Any, port: Any, refusal: str | None) -> None:
    if refusal is None:
        assert DEFAULT_POLICY.check_address(host, port)[1] == port
    else:
        with pytest.raises(AddressRefused, match=refusal):
            DEFAULT_POLICY.check_address(host, port)


def test_configured_networks_and_metadata_always_refused() -> None:
    policy = AddressPolicy(networks=("127.0.0.0/8", "169.254.0.0/16"), ports=(9100, 515))
    assert policy.check_address("127.0.0.1", 515) == ("127.0.0.1", 515)
    assert policy.check_address("169.254.10.20", 9100) == ("169.254.10.20", 9100)
    with pytest.raises(AddressRefused):
        policy.check_address("169.254.169.254", 9100)
    assert issubclass(AddressRefused, ValidationError)   # a 422 on every front


@pytest.mark.parametrize("path,allowed", [
    ("/dev/usb/lp0", True), ("/dev/ttyUSB1", True), ("/dev/lp0", True),
    ("/etc/passwd", False), ("/dev/usb/lp0/../../../etc/shadow", False), ("", False),
    ("/dev/sda", False),
])
def test_device_paths(path: str, allowed: bool) -> None:
    if allowed:
        assert DEFAULT_POLICY.check_device(path) == path
    else:
        with pytest.raises(AddressRefused, match="not an allowed device"):
            DEFAULT_POLICY.check_device(path)


async def test_a_refused_address_is_never_connected(listener: PrinterListener) -> None:
    with pytest.raises(PrinterConfigError, match="outside the allowed printer networks"):
        await transport.send(spec(listener.port), b"\x1b@x", 2.0)     # default policy
    with pytest.raises(PrinterConfigError, match="not an IP address"):
        await transport.send(spec(listener.port, host="localhost"), b"\x1b@x", 2.0,
                             policy=AddressPolicy(networks=("127.0.0.0/8",), ports=(listener.port,)))
    await asyncio.sleep(0.05)
    assert listener.connections == []


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------

def allow(port: int) -> AddressPolicy:
    return AddressPolicy(networks=("127.0.0.0/8",), ports=(port,))


async def test_network_send_delivers_the_bytes_and_closes(listener: PrinterListener) -> None:
    data = b"\x1b@" + b"".join(f"line {i}\n".encode() for i in range(200)) + constants.PAPER_FULL_CUT
    await transport.send(spec(listener.port), data, 5.0, policy=allow(listener.port))
    await listener.wait_for(lambda: len(listener.jobs()) == 1)
    assert listener.jobs() == [data]


async def test_a_printer_that_is_off_is_offline_and_nothing_was_printed(
        listener: PrinterListener) -> None:
    await listener.stop()
    with pytest.raises(PrinterOffline, match="cannot connect") as caught:
        await transport.send(spec(listener.port), b"\x1b@x", 2.0, policy=allow(listener.port))
    assert caught.value.retryable and not caught.value.maybe_printed


async def test_device_file_printer_writes_through_python_escpos(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()
    policy = AddressPolicy(devices=(str(tmp_path / "lp*"),))
    data = b"\x1b@to the file\n" + constants.PAPER_FULL_CUT
    await transport.send(spec(connection="file", host=None, device=str(device)), data, 5.0,
                         policy=policy)
    assert device.read_bytes() == data
    assert await transport.query_status(spec(connection="file", host=None, device=str(device)),
                                        policy=policy) == "online"
    with pytest.raises(PrinterConfigError, match="not an allowed device"):
        await transport.send(spec(connection="file", host=None, device="/etc/hostname"), data,
                             5.0, policy=policy)


@pytest.mark.skipif(shutil.which("true") is None, reason="needs a POSIX system")
@pytest.mark.parametrize("connection,device,package", [
    ("usb", "04b8:0202", "pyusb"), ("serial", "/dev/ttyUSB0", "pyserial"),
    ("cups", "receipt", "pycups")])
async def test_a_missing_optional_driver_is_a_clear_error(connection: str, device: str,
                                                          package: str) -> None:
    module = {"pyusb": "usb", "pyserial": "serial", "pycups": "cups"}[package]
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{package} is installed here")
    with pytest.raises(PrinterConfigError, match=f"pip install {package}"):
        await transport.send(spec(connection=connection, host=None, device=device), b"x", 2.0)


async def test_cash_drawer_kick_job_sends_the_pulse(tmp_path: Path,
                                                    listener: PrinterListener) -> None:
    path = tmp_path / "drawer.sqlite3"
    await prepare_async(str(path))
    backend, registry = backend_for(str(path)), registry_for(listener.port)
    await backend.start()
    queue = PrintQueue(backend, registry, backoff_base=0.2, backoff_max=1.0, poll_interval=0.5,
                       linger=1.0)
    try:
        pin2 = await add_printer(backend, registry, listener.port)
        pin5 = await add_printer(backend, registry, listener.port, name="Bar", drawer_pin=5)
        for printer in (pin2, pin5):
            await in_unit(backend, registry,
                          lambda env, p=printer: env["hw.print.job"]._enqueue_drawer_kick(p))
        await queue.start()
        await asyncio.wait_for(queue.wait_idle(), 20)
        await listener.wait_for(lambda: len(listener.jobs()) == 2)
        kick = Dummy()
        kick.cashdraw(2)
        assert listener.jobs()[0] == kick.output == constants.CD_KICK_2 == b"\x1bp\x0022"
        assert listener.jobs()[1] == constants.CD_KICK_5
    finally:
        await queue.stop(grace=1.0)
        await backend.close()


# ---------------------------------------------------------------------------
# Real-time status
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("answer,status", [
    (bytes([HEALTHY, HEALTHY, HEALTHY]), "online"),
    (bytes([HEALTHY, HEALTHY, HEALTHY | 0x0C]), "online"),          # paper near end: prints
    (bytes([HEALTHY | 0x08, HEALTHY | 0x20, PAPER_END]), "paper_out"),
    (bytes([HEALTHY, HEALTHY, PAPER_END]), "paper_out"),
    (bytes([HEALTHY | 0x08, COVER_OPEN, HEALTHY]), "cover_open"),
    (bytes([HEALTHY | 0x08, HEALTHY | 0x40, HEALTHY]), "error"),
    (bytes([HEALTHY | 0x08, HEALTHY, HEALTHY]), "error"),
    (b"\xff\xff\xff", "unknown"),                                    # not a status byte
    (b"HTTP/1.1 400", "unknown"),
    (bytes([HEALTHY]), "unknown"),                                  # too short
    (b"", "unknown"),
])
def test_status_bytes(answer: bytes, status: str) -> None:
    assert transport.classify_status(answer) == status


async def test_status_over_the_network(listener: PrinterListener) -> None:
    printer, policy = spec(listener.port), allow(listener.port)
    assert await transport.query_status(printer, 2.0, policy=policy) == "online"
    listener.status[4] = PAPER_END
    assert await transport.query_status(printer, 2.0, policy=policy) == "paper_out"
    listener.status.update({2: COVER_OPEN, 4: HEALTHY})
    assert await transport.query_status(printer, 2.0, policy=policy) == "cover_open"
    listener.answer_status = False
    assert await transport.query_status(printer, 0.3, policy=policy) == "unknown"
    await listener.stop()
    assert await transport.query_status(printer, 2.0, policy=policy) == "offline"
