"""The printer status poller.

Every ``interval`` seconds it asks each active printer how it is (the
real-time status query for network printers, see ``transport.query_status``),
all printers at once, and stores the answer through
``hw.printer._record_status``, which also writes ``printer_online`` /
``printer_offline`` to the bus in the same unit when the printer changes
between up and down. The queue worker records what it learns from sends
through the same method, so both sources tell one story.

A printer that comes back is also handed to ``on_online`` (the gateway wires
the print queue's ``wake``), so its waiting jobs go out without waiting for
their backoff timer. A printer the queue is sending to is skipped (``busy``,
wired to the queue's ``busy``): many printers serve one connection at a time,
and a probe waiting behind a long job would report a working printer offline.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from models import hardware
from models.db import Backend
from models.env import Env
from models.hardware import AddressPolicy, PrinterSpec
from models.registry import Registry

from . import transport

_logger = logging.getLogger(__name__)

POLL_INTERVAL = 30.0


class StatusPoller:
    def __init__(self, backend: Backend, registry: Registry, *, interval: float = POLL_INTERVAL,
                 timeout: float = transport.STATUS_TIMEOUT, policy: AddressPolicy | None = None,
                 on_online: Callable[[int], None] | None = None,
                 busy: Callable[[int], bool] | None = None) -> None:
        self.backend = backend
        self.registry = registry
        self.interval = interval
        self.timeout = timeout
        self.policy = policy or registry.options.get("printer_address_policy") \
            or hardware.DEFAULT_POLICY
        self.on_online = on_online
        self.busy = busy
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def _probe(self, spec: PrinterSpec) -> tuple[str, str | None]:
        try:
            status = await transport.query_status(spec, self.timeout, policy=self.policy)
        except transport.TransportError as exc:
            return "error", str(exc)
        except Exception as exc:  # a driver bug must not stop the poller
            _logger.exception("status of printer %s", spec.id)
            return "error", f"{type(exc).__name__}: {exc}"
        error = None
        if status == "offline":
            error = f"{spec.name}: not reachable"
        elif status in hardware.DOWN:
            error = f"{spec.name}: {dict(hardware.STATUSES)[status].lower()}"
        return status, error

    async def poll_once(self) -> dict[int, str]:
        """Probe every active printer; store and announce; answers {printer id: status}."""
        specs: list[PrinterSpec] = await self.backend.run_unit(
            lambda cr: Env(cr, self.registry, None)["hw.printer"]._specs(), readonly=True)
        if self.busy is not None:
            specs = [spec for spec in specs if not self.busy(spec.id)]
        probes = await asyncio.gather(*(self._probe(spec) for spec in specs))
        result: dict[int, str] = {}
        for spec, (status, error) in zip(specs, probes):
            previous = await self.backend.run_unit(
                lambda cr, spec=spec, status=status, error=error:
                Env(cr, self.registry, None)["hw.printer"]._record_status(spec.id, status, error))
            result[spec.id] = status
            if status == "online" and previous != "online" and self.on_online is not None:
                self.on_online(spec.id)
        return result

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.poll_once()
            except Exception:
                _logger.exception("printer status poll failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="printer-status")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            # the round under way ends (its probes have timeouts); asyncio.wait neither
            # raises the task's outcome nor swallows a cancellation of the caller
            await asyncio.wait({self._task})
            self._task = None
