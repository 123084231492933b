"""Running the app: both ports in one process, or ``workers`` processes sharing them.

Workers share the ports through SO_REUSEPORT, as the perf baseline measured;
each process has its own database pool and nothing else in common, since
sessions live in the database.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
from typing import Callable

from aiohttp import web

from .app import create_app
from .config import Config

_logger = logging.getLogger(__name__)


def setup_logging(config: Config) -> None:
    logging.basicConfig(
        level=getattr(logging, config.log_level.upper()),
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )
    if config.log_level != "debug":
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


async def serve_forever(config: Config, reuse_port: bool,
                        on_ready: Callable[[list[str]], None] | None = None) -> None:
    app = create_app(config)
    runner = web.AppRunner(app, handle_signals=False,
                           access_log=logging.getLogger("aiohttp.access")
                           if config.log_level == "debug" else None)
    await runner.setup()
    urls = []
    for port in dict.fromkeys((config.http_port, config.api_port)):
        # backlog: after a restart every screen reconnects at once (aiohttp's default is 128)
        site = web.TCPSite(runner, config.http_interface or None, port, reuse_port=reuse_port,
                           shutdown_timeout=5.0, backlog=2048)
        await site.start()
        host = config.http_interface or "0.0.0.0"
        urls.append(f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):   # before announcing readiness
        loop.add_signal_handler(signum, stop.set)
    if on_ready:
        on_ready(urls)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def raise_open_files_limit() -> int:
    """Lift the soft limit on open files to the hard one: every idle long-poll and
    websocket is a socket, and the common soft default (1024) would cap a process at
    about a thousand screens. Answers the limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            _logger.warning("cannot raise the open-files limit from %s: %s", soft, exc)
    return soft


def _worker(config: Config) -> None:
    setup_logging(config)
    raise_open_files_limit()
    asyncio.run(serve_forever(config, reuse_port=True))


def run(config: Config, on_ready: Callable[[list[str]], None] | None = None) -> None:
    setup_logging(config)
    raise_open_files_limit()
    workers = max(config.workers, 0)
    if workers <= 1:
        asyncio.run(serve_forever(config, reuse_port=workers == 1, on_ready=on_ready))
        return
    if not config.database_url:
        _logger.warning("workers=%s on SQLite: writes from the processes take turns on one file",
                        workers)
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_worker, args=(config,), daemon=True)
                for _ in range(workers - 1)]
    for child in children:
        child.start()

    def stop_children() -> None:
        for child in children:
            if child.is_alive() and child.pid:
                os.kill(child.pid, signal.SIGTERM)

    try:
        asyncio.run(serve_forever(config, reuse_port=True, on_ready=on_ready))
    finally:
        stop_children()
        for child in children:
            child.join(timeout=10)
    sys.stdout.flush()
