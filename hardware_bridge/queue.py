"""The print worker: sends stored jobs, each exactly once, in order, per printer.

Each send is three committed units around one network operation::

    claim (queued -> sending, attempts + 1)   COMMIT
    send the bytes (asyncio, with timeouts)
    mark done (sending -> done)               COMMIT

so a crash anywhere leaves the job either not started (``queued``), finished
(``done``, never sent again) or ``sending``, which :meth:`PrintQueue.start`
turns back into a queued *copy* before anything else is sent: it is printed
again under a COPY banner (models/hardware.py explains the states).

One task per printer that has work, so a dead printer holds only its own
queue. A failed send backs the job off (models/hardware.py ``backoff``) and
marks the printer offline; the head job of a printer blocks the ones after
it, so they come out in order when the printer returns. A printer that is
offline is retried forever; a job that fails for another reason is given up
after ``max_attempts`` (a driver error that will not go away), and a printer
whose configuration cannot work (address refused, driver missing) fails the
job at once. Failed jobs wait for a manager's retry.

The worker takes a backend and a registry, nothing of the web app: the
gateway runs it next to its server, and ``python -m hardware_bridge`` runs it
on a local SQLite file. Run one worker per database: two would each recover
the other's in-flight job as a copy.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from escpos.printer import Dummy

from models import hardware
from models.db import Backend, Cursor
from models.env import Env
from models.hardware import AddressPolicy, ClaimedJob, PrinterSpec
from models.registry import Registry

from . import transport

_logger = logging.getLogger(__name__)

#: Non-network failures tolerated before a job is given up (an offline printer never is).
MAX_ATTEMPTS = 5
POLL_INTERVAL = 5.0


def copy_banner() -> bytes:
    """What a re-sent job starts with: a bold, double-size ``*** COPY ***`` line."""
    printer = Dummy()
    printer.hw("INIT")
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln("*** COPY ***")
    printer.set(align="left", bold=False, normal_textsize=True)
    return printer.output


COPY_BANNER = copy_banner()


class PrintQueue:
    def __init__(self, backend: Backend, registry: Registry, *,
                 policy: AddressPolicy | None = None,
                 send_timeout: float = transport.SEND_TIMEOUT,
                 connect_timeout: float = transport.CONNECT_TIMEOUT,
                 linger: float = transport.LINGER,
                 backoff_base: float = hardware.BACKOFF_BASE,
                 backoff_max: float = hardware.BACKOFF_MAX,
                 poll_interval: float = POLL_INTERVAL,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.backend = backend
        self.registry = registry
        self.policy = policy or registry.options.get("printer_address_policy") \
            or hardware.DEFAULT_POLICY
        self.send_timeout = send_timeout
        self.connect_timeout = connect_timeout
        self.linger = linger
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._printer_events: dict[int, asyncio.Event] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        #: Jobs recovered from ``sending`` at start (ids), for logs and tests.
        self.recovered: list[int] = []
        #: Printers a send is under way to (the status poller leaves them alone: many
        #: printers serve one connection at a time, and a probe would time out).
        self.sending_to: set[int] = set()

    # -- units -------------------------------------------------------------------------
    def _env(self, cr: Cursor) -> Env:
        return Env(cr, self.registry, None)

    async def _unit(self, fn: Any, readonly: bool = False) -> Any:
        return await self.backend.run_unit(lambda cr: fn(self._env(cr)), readonly=readonly)

    # -- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        """Recover jobs cut off by a previous run, then start sending."""
        self.recovered = await self._unit(lambda env: env["hw.print.job"]._recover())
        if self.recovered:
            _logger.warning("print jobs %s were cut off mid-send; printing them again as copies",
                            self.recovered)
        self._stopping = False
        self._supervisor = asyncio.create_task(self._supervise(), name="print-queue")

    async def stop(self, grace: float = 5.0) -> None:
        """Let sends under way finish (up to ``grace`` seconds), then stop."""
        self._stopping = True
        self._wake.set()
        for event in self._printer_events.values():
            event.set()
        tasks = [t for t in [self._supervisor, *self._workers.values()] if t is not None]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                # asyncio.wait, not ``await task`` under suppress(CancelledError): that
                # would also swallow a cancellation of the stopper itself
                await asyncio.wait(pending)
        self._workers.clear()
        self._supervisor = None

    def wake(self, printer_id: int | None = None) -> None:
        """New work (after an enqueue commits), or a printer that came back."""
        self._wake.set()
        if printer_id is not None:
            event = self._printer_events.get(printer_id)
            if event is not None:
                event.set()
        else:
            for event in self._printer_events.values():
                event.set()

    async def wait_idle(self, printer_ids: Iterable[int] | None = None) -> None:
        """Until the given printers (all) have no queued or sending job left."""
        Job = self.registry["hw.print.job"]

        async def busy(env: Env) -> bool:
            query = Job.select(Job.id).where(Job.state.in_(["queued", "sending"]))
            if printer_ids is not None:
                query = query.where(Job.printer_id.in_(list(printer_ids)))
            return bool(await env.cr.rows(query.limit(1)))
        while await self._unit(busy, readonly=True):
            await asyncio.sleep(0.05)

    # -- loops -----------------------------------------------------------------------------
    async def _supervise(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                printer_ids = await self._unit(
                    lambda env: env["hw.print.job"]._printers_with_work(), readonly=True)
            except Exception:  # a database hiccup must not end the worker
                _logger.exception("print queue: cannot list printers with work")
                printer_ids = []
            for printer_id in printer_ids:
                task = self._workers.get(printer_id)
                if task is None or task.done():
                    self._workers[printer_id] = asyncio.create_task(
                        self._drain(printer_id), name=f"print-queue-{printer_id}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _drain(self, printer_id: int) -> None:
        """Send the printer's jobs until none is left."""
        event = self._printer_events.setdefault(printer_id, asyncio.Event())
        try:
            while not self._stopping:
                event.clear()
                claimed = await self._unit(lambda env: self._claim(env, printer_id))
                if claimed is None:
                    delay = await self._unit(
                        lambda env: env["hw.print.job"]._seconds_until_due(printer_id),
                        readonly=True)
                    if delay is None:
                        return
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(event.wait(),
                                               max(0.05, min(delay, self.poll_interval)))
                    continue
                spec, job = claimed
                await self._send(spec, job)
        except Exception:
            _logger.exception("print queue: worker of printer %s failed", printer_id)
            self._wake.set()     # the supervisor starts a new one
        finally:
            self._printer_events.pop(printer_id, None)

    async def _claim(self, env: Env, printer_id: int) -> tuple[PrinterSpec, ClaimedJob] | None:
        spec = await env["hw.printer"]._spec(printer_id)
        if spec is None:
            return None
        job = await env["hw.print.job"]._claim(printer_id)
        return (spec, job) if job is not None else None

    def busy(self, printer_id: int) -> bool:
        return printer_id in self.sending_to

    async def _send(self, spec: PrinterSpec, job: ClaimedJob) -> None:
        data = COPY_BANNER + job.payload if job.copy else job.payload
        self.sending_to.add(spec.id)
        try:
            await transport.send(spec, data, self.send_timeout, policy=self.policy,
                                 connect_timeout=self.connect_timeout, linger=self.linger)
        except transport.TransportError as exc:
            offline = isinstance(exc, transport.PrinterOffline)
            give_up = not exc.retryable or (not offline and job.attempts >= self.max_attempts)
            await self._failed(spec, job, str(exc), give_up, exc.maybe_printed,
                               "offline" if offline else "error")
            return
        except Exception as exc:  # a driver bug: counted against the job, not fatal
            _logger.exception("print queue: job %s on printer %s", job.id, spec.id)
            await self._failed(spec, job, f"{type(exc).__name__}: {exc}",
                               job.attempts >= self.max_attempts, True, "error")
            return
        finally:
            self.sending_to.discard(spec.id)

        async def done(env: Env) -> None:
            await env["hw.print.job"]._mark_done(job.id)
            await env["hw.printer"]._record_status(spec.id, "online", printed=True)
        await self._unit(done)

    async def _failed(self, spec: PrinterSpec, job: ClaimedJob, error: str, give_up: bool,
                      maybe_printed: bool, status: str) -> None:
        _logger.warning("print job %s on %s: %s%s", job.id, spec.name, error,
                        " (given up)" if give_up else "")

        async def failed(env: Env) -> None:
            await env["hw.print.job"]._mark_failed(
                job.id, error, give_up=give_up, maybe_printed=maybe_printed,
                base=self.backoff_base, cap=self.backoff_max)
            await env["hw.printer"]._record_status(spec.id, status, error)
        await self._unit(failed)
