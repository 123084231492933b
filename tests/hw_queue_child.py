"""A print-queue process on a local SQLite file: what ``python -m hardware_bridge`` will be.

The tests use it two ways: its functions build a migrated database with base
records (``prepare``) and a registry whose printer policy allows the loopback
listener (``registry_for``); run as a script, it runs the queue worker on that
database until it is killed (the SIGKILL test of tests/test_hw_queue.py)::

    python tests/hw_queue_child.py DB_PATH PORT

It prints ``ready`` once the worker has recovered and started.
"""
from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from gateway import bootstrap
from models import make_registry
from models.db import Backend, make_backend
from models.hardware import AddressPolicy
from models.registry import Registry


def loopback_policy(port: int) -> AddressPolicy:
    return AddressPolicy(networks=("127.0.0.0/8",), ports=(port,))


def registry_for(port: int = 9100) -> Registry:
    return make_registry("sqlite", {"bcrypt_rounds": 4,
                                    "printer_address_policy": loopback_policy(port)})


def backend_for(path: str) -> Backend:
    return make_backend(f"sqlite:///{path}")


async def prepare_async(path: str) -> None:
    """A new SQLite database at ``path``: migrated, with the base records (main company)."""
    backend = backend_for(path)
    bootstrap.migrate_schema(backend)
    await bootstrap.install_base(backend, registry_for(), "admin")


def prepare(path: str) -> None:
    asyncio.run(prepare_async(path))


async def in_unit(backend: Backend, registry: Registry, fn: Any, user: Any = None) -> Any:
    """``fn(env)`` in one committed unit (superuser unless ``user`` is given)."""
    from models.env import Env
    return await backend.run_unit(lambda cr: fn(Env(cr, registry, user)))


async def add_printer(backend: Backend, registry: Registry, listener_port: int,
                      **values: Any) -> int:
    async def create(env: Any) -> int:
        company = (await env["res.company"].search([], limit=1, order="id"))[0]
        return await env["hw.printer"].create(dict(
            {"name": "Counter", "connection": "network", "host": "127.0.0.1",
             "port": listener_port, "company_id": company}, **values))
    return await in_unit(backend, registry, create)


def receipt(number: int, lines: int = 3) -> bytes:
    """A small receipt whose text carries its number (``JOB-007``), built with python-escpos."""
    from escpos.printer import Dummy
    printer = Dummy()
    printer.hw("INIT")
    printer.textln(f"JOB-{number:03d}")
    for line in range(lines):
        printer.textln(f"line {line} of job {number}")
    printer.cut()
    return printer.output


async def run_worker(path: str, port: int, **settings: Any) -> None:
    from hardware_bridge.queue import PrintQueue
    backend = backend_for(path)
    await backend.start()
    queue = PrintQueue(backend, registry_for(port), **settings)
    await queue.start()
    print("ready", flush=True)
    await asyncio.Event().wait()      # until killed


if __name__ == "__main__":
    db_path, listener_port = sys.argv[1], int(sys.argv[2])
    asyncio.run(run_worker(db_path, listener_port, backoff_base=0.2, backoff_max=1.0,
                           poll_interval=0.5, send_timeout=30.0, linger=30.0))
