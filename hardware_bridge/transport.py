"""Getting ready bytes to a printer, and asking it how it is.

Network printers (raw TCP, port 9100) are reached with asyncio streams, each
step under its own timeout: python-escpos's ``Network`` class is a blocking
socket with a 60 s default, which would freeze the event loop
(ecosystem-security.md section 1.6). USB, serial, device-file and CUPS
printers go through python-escpos's printer classes, which block, so they run
in a worker thread (``asyncio.to_thread``); their optional dependencies
(pyusb, pyserial, pycups) are imported only when such a printer is used, and
a missing one is a :class:`PrinterConfigError` naming the package, not an
ImportError when the gateway starts.

Every network address is checked against the :class:`AddressPolicy` before a
connection is opened, whatever the database holds (a row written before the
policy changed, or by hand).

Errors say what the queue should do with the job: :class:`PrinterOffline`
(retry later; ``maybe_printed`` when bytes had already left, so the retry is
a marked copy) or :class:`PrinterConfigError` (retrying will not help until
someone changes the printer).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from escpos import constants

from models.hardware import (
    DEFAULT_POLICY,
    AddressPolicy,
    AddressRefused,
    PrinterSpec,
    parse_usb,
)

__all__ = [
    "DEFAULT_POLICY",
    "AddressPolicy",
    "AddressRefused",
    "PrinterConfigError",
    "PrinterOffline",
    "TransportError",
    "classify_status",
    "query_status",
    "send",
]

CONNECT_TIMEOUT = 3.0
SEND_TIMEOUT = 30.0
STATUS_TIMEOUT = 2.0
#: How long a network send waits for the printer to close after our end of data.
LINGER = 2.0


class TransportError(Exception):
    """A send or status query that did not work."""

    #: Whether trying again later may succeed.
    retryable = True

    def __init__(self, message: str, maybe_printed: bool = False) -> None:
        super().__init__(message)
        self.maybe_printed = maybe_printed


class PrinterOffline(TransportError):
    """Unreachable, refused, timed out or cut off: the printer may come back."""


class PrinterConfigError(TransportError):
    """The printer's configuration cannot work (address refused, driver missing)."""

    retryable = False


# ---------------------------------------------------------------------------
# Network (raw TCP)
# ---------------------------------------------------------------------------

async def _open(printer: PrinterSpec, policy: AddressPolicy,
                timeout: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        host, port = policy.check_address(printer.host, printer.port)
    except AddressRefused as exc:
        raise PrinterConfigError(str(exc)) from None
    try:
        return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        raise PrinterOffline(f"{printer.name}: no answer from {host}:{port} "
                             f"within {timeout:g} s") from None
    except OSError as exc:
        raise PrinterOffline(f"{printer.name}: cannot connect to {host}:{port} "
                             f"({exc.strerror or exc})") from None


async def _close(writer: asyncio.StreamWriter, timeout: float) -> None:
    writer.close()
    with contextlib.suppress(OSError, asyncio.TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), timeout)


async def _linger(reader: asyncio.StreamReader, linger: float) -> None:
    """Wait for the printer to close its side after our end of data.

    ``drain`` returning only means the kernel took the bytes; a raw-port
    printer closes the connection once it has read everything up to our EOF,
    so waiting for that keeps the job ``sending`` until the printer really
    has it. One that never closes costs ``linger`` seconds and counts as
    sent: the bytes were accepted, and re-sending on a guess would print
    duplicates forever on such a printer."""
    async def until_eof() -> None:
        while await reader.read(4096):
            continue     # what a printer says back is not ours to read, only its EOF
    with contextlib.suppress(asyncio.TimeoutError, OSError):
        await asyncio.wait_for(until_eof(), linger)


async def _send_network(printer: PrinterSpec, data: bytes, timeout: float,
                        policy: AddressPolicy, connect_timeout: float, linger: float) -> None:
    reader, writer = await _open(printer, policy, min(connect_timeout, timeout))
    try:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), timeout)
        if writer.can_write_eof():
            writer.write_eof()
            await asyncio.wait_for(writer.drain(), timeout)
            await _linger(reader, linger)
    except TimeoutError:
        writer.transport.abort()
        raise PrinterOffline(f"{printer.name}: the printer stopped taking data "
                             f"(nothing accepted for {timeout:g} s)", maybe_printed=True) from None
    except OSError as exc:
        writer.transport.abort()
        raise PrinterOffline(f"{printer.name}: connection lost while sending "
                             f"({exc.strerror or exc})", maybe_printed=True) from None
    await _close(writer, min(connect_timeout, timeout))


# ---------------------------------------------------------------------------
# python-escpos printers, in a thread
# ---------------------------------------------------------------------------

#: connection -> (module to import, the pip package that provides it)
_DEPENDENCIES = {"usb": ("usb.core", "pyusb"), "serial": ("serial", "pyserial"),
                 "cups": ("cups", "pycups")}


def _escpos_printer(printer: PrinterSpec, policy: AddressPolicy) -> Any:
    """A python-escpos printer object for a non-network printer (not yet opened)."""
    needed = _DEPENDENCIES.get(printer.connection)
    if needed:
        try:
            __import__(needed[0])
        except ImportError:
            raise PrinterConfigError(
                f"{printer.name}: {printer.connection} printers need the Python package "
                f"{needed[1]!r} (pip install {needed[1]})") from None
    from escpos import printer as escpos_printer
    try:
        if printer.connection == "file":
            return escpos_printer.File(devfile=policy.check_device(printer.device))
        if printer.connection == "serial":
            return escpos_printer.Serial(devfile=policy.check_device(printer.device))
        if printer.connection == "usb":
            vendor, product = parse_usb(printer.device)
            return escpos_printer.Usb(idVendor=vendor, idProduct=product)
        if printer.connection == "cups":
            return escpos_printer.CupsPrinter(printer_name=printer.device)
    except (AddressRefused, ValueError) as exc:
        raise PrinterConfigError(f"{printer.name}: {exc}") from None
    raise PrinterConfigError(f"{printer.name}: unknown connection {printer.connection!r}")


def _send_blocking(printer: PrinterSpec, data: bytes, policy: AddressPolicy) -> None:
    device = _escpos_printer(printer, policy)
    try:
        device.open()
    except Exception as exc:  # noqa: BLE001 - python-escpos raises its own errors, OSError, usb.core.USBError...
        raise PrinterOffline(f"{printer.name}: cannot open {printer.device} ({exc})") from None
    try:
        device._raw(data)
        if printer.connection == "cups":
            device.close()        # CUPS prints what it was given when the job is closed
            return
    except Exception as exc:  # noqa: BLE001 - as for open()
        raise PrinterOffline(f"{printer.name}: write failed ({exc})", maybe_printed=True) from None
    finally:
        with contextlib.suppress(Exception):
            device.close()


async def send(printer: PrinterSpec, data: bytes, timeout: float = SEND_TIMEOUT, *,
               policy: AddressPolicy = DEFAULT_POLICY,
               connect_timeout: float = CONNECT_TIMEOUT, linger: float = LINGER) -> None:
    """Deliver ``data`` to ``printer``; :class:`TransportError` when it could not."""
    if printer.connection == "network":
        await _send_network(printer, data, timeout, policy, connect_timeout, linger)
        return
    try:
        await asyncio.wait_for(asyncio.to_thread(_send_blocking, printer, data, policy), timeout)
    except TimeoutError:
        # The thread cannot be interrupted; it ends when the driver gives up.
        raise PrinterOffline(f"{printer.name}: no progress within {timeout:g} s",
                             maybe_printed=True) from None


# ---------------------------------------------------------------------------
# Real-time status (DLE EOT n)
# ---------------------------------------------------------------------------

#: The three real-time queries, in the order their one-byte answers come back.
STATUS_QUERIES = (constants.RT_STATUS_ONLINE,            # n=1 printer status
                  constants.RT_STATUS + b"\x02",        # n=2 offline cause
                  constants.RT_STATUS_PAPER)             # n=4 roll paper sensor


def _valid(byte: int) -> bool:
    """Epson's fixed bits: bits 1 and 4 set, 0 and 7 clear, in every DLE EOT answer."""
    return byte & 0x93 == 0x12


def classify_status(answer: bytes) -> str:
    """Status from the answers to :data:`STATUS_QUERIES` (garbage -> ``unknown``).

    n=1 bit 3: offline. n=2 bit 2: cover open; bit 5: stopped at paper end;
    bit 6: error. n=4 bits 5-6: paper end (bits 2-3, near end, still prints).
    """
    if len(answer) < len(STATUS_QUERIES) or not all(_valid(b) for b in answer[:3]):
        return "unknown"
    printer, cause, paper = answer[0], answer[1], answer[2]
    if paper & 0x60 or cause & 0x20:
        return "paper_out"
    if cause & 0x04:
        return "cover_open"
    if cause & 0x40:
        return "error"
    if printer & 0x08:
        return "error"      # offline for a reason it does not report
    return "online"


async def _query_network(printer: PrinterSpec, timeout: float, policy: AddressPolicy) -> str:
    try:
        reader, writer = await _open(printer, policy, timeout)
    except PrinterOffline:
        return "offline"
    try:
        writer.write(b"".join(STATUS_QUERIES))
        await asyncio.wait_for(writer.drain(), timeout)
        answer = await asyncio.wait_for(reader.readexactly(len(STATUS_QUERIES)), timeout)
    except asyncio.IncompleteReadError as exc:
        return classify_status(exc.partial) if exc.partial else "unknown"
    except TimeoutError:
        # Reachable but silent: a printer without real-time status (or a print server).
        return "unknown"
    except OSError:
        return "offline"
    finally:
        writer.transport.abort()
    return classify_status(answer)


def _query_blocking(printer: PrinterSpec, policy: AddressPolicy) -> str:
    device = _escpos_printer(printer, policy)
    try:
        device.open()
    except Exception:  # noqa: BLE001 - a device that does not open is not there
        return "offline"
    try:
        if printer.connection not in ("usb", "serial"):
            return "online"       # a device file or CUPS queue that opens takes jobs
        if not device.is_online():
            return "offline"
        return "paper_out" if device.paper_status() == 0 else "online"
    except Exception:  # noqa: BLE001 - garbage or a driver error is no status (API10)
        return "unknown"
    finally:
        with contextlib.suppress(Exception):
            device.close()


async def query_status(printer: PrinterSpec, timeout: float = STATUS_TIMEOUT, *,
                       policy: AddressPolicy = DEFAULT_POLICY) -> str:
    """One of ``online``, ``offline``, ``paper_out``, ``cover_open``, ``error``, ``unknown``.

    Raises :class:`PrinterConfigError` only for a printer that cannot be reached by
    configuration (address outside the policy, driver missing)."""
    if printer.connection == "network":
        return await _query_network(printer, timeout, policy)
    if printer.connection == "file":
        # Opening a device file for status would truncate a plain file: only check it.
        try:
            path = policy.check_device(printer.device)
        except AddressRefused as exc:
            raise PrinterConfigError(f"{printer.name}: {exc}") from None
        return "online" if os.access(path, os.W_OK) else "offline"
    try:
        return await asyncio.wait_for(asyncio.to_thread(_query_blocking, printer, policy),
                                      timeout)
    except TimeoutError:
        return "offline"
