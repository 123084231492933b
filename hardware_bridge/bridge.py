"""The bridge of one process: the address policy, and the print worker and status
poller it runs while it holds the print lease (hardware_bridge/lease.py).

Every process stores print jobs; the lease holder sends them. A front that
stores a job calls :meth:`Bridge.after_enqueue`, which wakes this process's
worker once the unit commits; a job stored by a process without the lease is
found by the holder's poll (``poll_interval``) instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from models.db import Backend, Cursor
from models.hardware import AddressPolicy
from models.registry import Registry

from .lease import Lease
from .queue import PrintQueue
from .status import StatusPoller


@dataclass(frozen=True)
class BridgeSettings:
    policy: AddressPolicy
    send_timeout: float = 30.0
    status_interval: float = 30.0
    #: Whether this process may send (``[hardware] print_queue``).
    sends: bool = True


class Bridge:
    def __init__(self, backend: Backend, registry: Registry, settings: BridgeSettings) -> None:
        self.backend = backend
        self.registry = registry
        self.settings = settings
        self.queue = PrintQueue(backend, registry, policy=settings.policy,
                                send_timeout=settings.send_timeout)
        self.poller = StatusPoller(backend, registry, interval=settings.status_interval or 30.0,
                                   policy=settings.policy, on_online=self.queue.wake,
                                   busy=self.queue.busy)
        self.lease = Lease(backend, self._lead, self._step_down)
        self.started = False

    @property
    def sending(self) -> bool:
        """Whether this process sends the jobs now (it holds the lease)."""
        return self.lease.held

    async def start(self) -> None:
        if self.settings.sends:
            self.lease.start()
        self.started = True

    async def close(self) -> None:
        await self.lease.close()
        self.started = False

    async def _lead(self) -> None:
        await self.queue.start()
        if self.settings.status_interval > 0:
            self.poller.start()

    async def _step_down(self) -> None:
        await self.poller.stop()
        await self.queue.stop()

    def after_enqueue(self, cr: Cursor, printer_id: int) -> None:
        """Wake the worker for ``printer_id`` once the unit that stored its job commits."""
        cr.after_commit(lambda: self.queue.wake(printer_id))


BRIDGE = web.AppKey("hardware_bridge", Bridge)


def settings_from(config: Any) -> BridgeSettings:
    """The bridge's settings from the gateway's (or the standalone bridge's) config."""
    return BridgeSettings(
        policy=AddressPolicy(networks=config.printer_networks, ports=config.printer_ports,
                             devices=config.printer_devices),
        send_timeout=config.print_send_timeout,
        status_interval=config.printer_status_interval,
        sends=config.print_queue)
