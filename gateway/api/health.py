"""Health probes: ``/health`` (liveness, no database, no session), ``/api/v1/health``
(public: one timed database round trip) and the detailed reports under it.

The detailed reports (``/health/database``, ``/health/system``,
``/health/comprehensive``) expose the deployment's internals: the database
kind, pool and schema head, the host's memory, load and disk, and the bus
volume of every restaurant. They are for the administrator who runs the
gateway (``base.group_system``), not for platform owners: one process and
one database serve every platform (two in the demo data), so these figures
are no single tenant's, and a platform owner holds Access Rights
(``base.group_erp_manager``) here, so that group would admit them too.

Each report is ``{status, checks: {name: {status, ...figures}}}``; a check is
``pass``, ``warn`` or ``fail`` by the ``THRESHOLDS`` below, and the report
takes the worst. ``fail`` answers 503 (a load balancer takes the instance out),
``pass`` and ``warn`` 200. Every figure is read, none estimated.

With the database unreachable nobody can be authenticated (the session of a
token is checked in the database), so a caller whose check fails that way gets
a 503 report with the failing database check and nothing else (what the public
probe tells anyone); a request without credentials is still a 401.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import platform
import resource
import shutil
import sys
import time
from typing import Any

import aiohttp
import peewee
from aiohttp import web
from playhouse.migrations import Migration

from models import security
from models.bus import BusBus
from models.bus_hub import BusHub
from models.db import Cursor, PostgresBackend, SqliteBackend
from models.exceptions import AccessError, SessionExpired, UserError
from models.schema import MIGRATIONS_DIR
from rpc.bus import BUS_HUB
from rpc.service import RPC_SERVICE, RpcService

from ..keys import CONFIG
from .auth import authenticated
from .envelope import PREFIX, ok

_logger = logging.getLogger(__name__)

#: When a check warns or fails.
THRESHOLDS: dict[str, float] = {
    "probe_timeout_seconds": 5.0,          # the SELECT 1 round trip: past it, fail
    "round_trip_warn_ms": 250.0,
    "disk_free_warn_ratio": 0.10,          # of the data directory's file system
    "disk_free_fail_ratio": 0.05,
    "disk_free_fail_bytes": 256 * 1024 * 1024,
    "load_per_cpu_warn": 2.0,              # 1-minute load average / CPUs
    "memory_available_warn_ratio": 0.10,   # MemAvailable / MemTotal of the host
}
ORDER = {"pass": 0, "warn": 1, "fail": 2}
#: The table ``playhouse.migrations.Runner`` records applied migrations in.
HISTORY = peewee.Table("schema_migration", ("name",))


def worst(statuses: list[str]) -> str:
    return max(statuses, key=ORDER.__getitem__, default="pass")


# -- public probes ---------------------------------------------------------------------------

async def liveness(request: web.Request) -> web.Response:
    return web.json_response({"status": "pass"})


async def health(request: web.Request) -> web.Response:
    """A database round trip, timed; a failure is a 500 in the envelope (logged with its id)."""
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> object:
        return await cr.fetchval("SELECT 1")

    started = time.perf_counter()
    await service.run(unit, readonly=True)
    elapsed = (time.perf_counter() - started) * 1000
    return ok({"status": "pass", "database": {"kind": service.backend.kind,
                                              "round_trip_ms": round(elapsed, 3)}})


# -- database ---------------------------------------------------------------------------------

async def probe(service: RpcService) -> dict[str, Any]:
    """``SELECT 1`` through the service, timed; any failure of the database (refused,
    timed out, a broken file) is a ``fail``, never raised."""
    async def unit(cr: Cursor) -> object:
        return await cr.fetchval("SELECT 1")

    check: dict[str, Any] = {"kind": service.backend.kind}
    started = time.perf_counter()
    try:
        async with asyncio.timeout(THRESHOLDS["probe_timeout_seconds"]):
            await service.run(unit, readonly=True)
    except Exception as exc:   # whatever the driver raises, the answer is "unreachable"
        _logger.warning("health: database probe failed: %r", exc)
        return dict(check, status="fail", error=type(exc).__name__)
    elapsed = (time.perf_counter() - started) * 1000
    check["round_trip_ms"] = round(elapsed, 3)
    check["status"] = "warn" if elapsed > THRESHOLDS["round_trip_warn_ms"] else "pass"
    return check


def pool_figures(backend: Any) -> dict[str, Any]:
    """What the backend holds, read outside any unit of work of this request: SQLite one
    connection and whether a unit of work (another request's) holds it now; PostgreSQL
    the asyncpg pool (on PostgreSQL a request keeps its connection to the end, so this
    request's own counts as in use)."""
    if isinstance(backend, SqliteBackend):
        conn = backend._conn
        return {"connections": 1 if conn is not None else 0, "max_connections": 1,
                "busy": backend._lock.locked()}
    if isinstance(backend, PostgresBackend):
        pool = backend.pool
        if pool is None:
            return {"connections": 0, "idle": 0, "in_use": 0, "max_connections": backend.pool_size}
        size, idle = pool.get_size(), pool.get_idle_size()
        return {"connections": size, "idle": idle, "in_use": size - idle,
                "min_connections": pool.get_min_size(), "max_connections": pool.get_max_size(),
                "acquire_timeout_seconds": backend.acquire_timeout}
    return {}


@functools.cache
def expected_migrations() -> tuple[str, ...]:
    """The migration files this code ships (they do not change under a running process)."""
    return tuple(m.name for m in Migration.load_directory(MIGRATIONS_DIR))


async def database_figures(cr: Cursor, backend: Any,
                           pool: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The database and migrations checks; ``pool``: ``pool_figures`` read before the unit."""
    database: dict[str, Any] = {"pool": pool}
    if isinstance(backend, PostgresBackend):
        database["server_version"] = await cr.fetchval("SHOW server_version")
    elif isinstance(backend, SqliteBackend):
        database["journal_mode"] = await cr.fetchval("PRAGMA journal_mode")
        database["sqlite_version"] = await cr.fetchval("SELECT sqlite_version()")
        if backend.path != ":memory:" and os.path.exists(backend.path):
            database["file_bytes"] = os.path.getsize(backend.path)
    if isinstance(backend, PostgresBackend):
        pool = database["pool"]
        database["status"] = "warn" if pool.get("in_use", 0) >= pool["max_connections"] \
            else "pass"
    else:
        database["status"] = "pass"

    applied = {row[0] for row in await cr.rows(HISTORY.select(HISTORY.name))}
    expected = expected_migrations()
    pending = [name for name in expected if name not in applied]
    unknown = sorted(applied - set(expected))
    migrations = {
        "applied_head": max(applied) if applied else None,
        "expected_head": expected[-1] if expected else None,
        "applied": len(applied), "expected": len(expected),
        "pending": pending, "unknown": unknown,
        # pending: the code needs a schema it has not got; unknown: newer code migrated it
        "status": "fail" if pending else "warn" if unknown else "pass",
    }
    return {"database": database, "migrations": migrations}


async def bus_figures(cr: Cursor, hub: BusHub) -> dict[str, Any]:
    """Rows kept in the bus table, the newest's age, and this process's hub: the clients
    waiting on it, how it is woken, and its lag (committed rows it has not read yet).
    A lag that stays above zero means wake-ups are lost and only the safety poll
    delivers: a warning. A quiet restaurant's old newest row is no fault."""
    count, newest, top = await cr.first(BusBus.select(
        peewee.fn.COUNT(BusBus.id), peewee.fn.MAX(BusBus.create_date), peewee.fn.MAX(BusBus.id)))
    age = None
    if newest:
        stamp = dt.datetime.fromisoformat(str(newest)).replace(tzinfo=dt.timezone.utc)
        age = round((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds(), 3)
    lag = max((top or 0) - hub.cursor, 0) if hub.started else None
    if not hub.started:
        status = "fail"
    elif lag and age is not None and age > max(hub.poll_interval, 1.0) * 2:
        status = "warn"
    else:
        status = "pass"
    return {"status": status, "rows": count, "newest_at": str(newest) if newest else None,
            "newest_age_seconds": age, "listener": hub.listener, "subscribers": hub.subscribers,
            "cursor": hub.cursor, "unread": lag}


# -- system -----------------------------------------------------------------------------------

def _proc_kib(path: str, names: tuple[str, ...]) -> dict[str, int]:
    """``Name: N kB`` lines of a /proc file, in bytes (empty where there is no /proc)."""
    found: dict[str, int] = {}
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in names:
                    found[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return {}
    return found


def _process_uptime() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat and /proc/uptime)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rpartition(")")[2].split()
        with open("/proc/uptime", encoding="ascii") as handle:
            system_uptime = float(handle.read().split()[0])
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return round(system_uptime - started, 3)


def process_figures() -> dict[str, Any]:
    status = _proc_kib("/proc/self/status", ("VmRSS",))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "status": "pass", "pid": os.getpid(),
        "rss_bytes": status.get("VmRSS"),
        "peak_rss_bytes": peak * 1024 if sys.platform != "darwin" else peak,
        "uptime_seconds": _process_uptime(),
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "aiohttp": aiohttp.__version__,
    }


def load_figures(load: tuple[float, float, float], cpus: int) -> dict[str, Any]:
    per_cpu = load[0] / max(cpus, 1)
    return {"status": "warn" if per_cpu > THRESHOLDS["load_per_cpu_warn"] else "pass",
            "load_1m": round(load[0], 2), "load_5m": round(load[1], 2),
            "load_15m": round(load[2], 2), "cpus": cpus, "load_1m_per_cpu": round(per_cpu, 3)}


def memory_figures(meminfo: dict[str, int]) -> dict[str, Any]:
    total, available = meminfo.get("MemTotal"), meminfo.get("MemAvailable")
    if not total or available is None:
        return {"status": "pass", "total_bytes": None, "available_bytes": None}
    ratio = available / total
    return {"status": "warn" if ratio < THRESHOLDS["memory_available_warn_ratio"] else "pass",
            "total_bytes": total, "available_bytes": available,
            "available_ratio": round(ratio, 4)}


def disk_verdict(total: int, free: int) -> str:
    ratio = free / total if total else 0.0
    if ratio < THRESHOLDS["disk_free_fail_ratio"] or free < THRESHOLDS["disk_free_fail_bytes"]:
        return "fail"
    return "warn" if ratio < THRESHOLDS["disk_free_warn_ratio"] else "pass"


def disk_figures(path: str) -> dict[str, Any]:
    path = os.path.abspath(path)
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        return {"status": "warn", "path": path, "error": type(exc).__name__}
    return {"status": disk_verdict(usage.total, usage.free), "path": path,
            "total_bytes": usage.total, "used_bytes": usage.used, "free_bytes": usage.free,
            "free_ratio": round(usage.free / usage.total, 4) if usage.total else None}


def system_checks(data_dir: str) -> dict[str, dict[str, Any]]:
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    checks = {"process": process_figures(),
              "memory": memory_figures(_proc_kib("/proc/meminfo", ("MemTotal", "MemAvailable"))),
              "disk": disk_figures(data_dir)}
    if load is not None:
        checks["load"] = load_figures(load, os.cpu_count() or 1)
    return checks


# -- the detailed routes ---------------------------------------------------------------------

def report(checks: dict[str, dict[str, Any]], what: str) -> web.Response:
    status = worst([check["status"] for check in checks.values()])
    failing = sorted(name for name, check in checks.items() if check["status"] == "fail")
    message = f"Health check failed: {', '.join(failing)}" if failing else None
    return ok({"status": status, "checks": checks}, message=message,
              meta={"report": what}, status=503 if status == "fail" else 200)


def merged(probed: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """The probe and the database figures as one check, with the worse status."""
    return {**probed, **figures, "status": worst([probed["status"], figures["status"]])}


async def _admitted(request: web.Request, *, probed: bool = True
                   ) -> tuple[RpcService, dict[str, Any]] | web.Response:
    """The service and the database probe for an administrator; 401/403 raised for anyone
    else, or the database's 503 report when the caller cannot be verified because the
    database fails (checking a token's session or a cookie needs it)."""
    service = request.app[RPC_SERVICE]
    try:
        caller = await authenticated(request)
    except (UserError, SessionExpired, web.HTTPException):
        raise
    except Exception:       # the database failing under the check: say so, if it is that
        database = await probe(service)
        if database["status"] == "fail":
            return report({"database": database}, "unverified")
        raise
    if not caller.user.has_group(security.SYSTEM):
        raise AccessError("Only the administrator may read the detailed health reports")
    return service, await probe(service) if probed else {}


async def database_health(request: web.Request) -> web.Response:
    admitted = await _admitted(request)
    if isinstance(admitted, web.Response):
        return admitted
    service, probed = admitted
    if probed["status"] == "fail":      # gone since the caller was checked
        return report({"database": probed}, "database")
    pool = pool_figures(service.backend)
    figures = await service.run(lambda cr: database_figures(cr, service.backend, pool),
                                readonly=True)
    figures["database"] = merged(probed, figures["database"])
    return report(figures, "database")


async def system_health(request: web.Request) -> web.Response:
    admitted = await _admitted(request, probed=False)
    if isinstance(admitted, web.Response):
        return admitted
    return report(system_checks(request.app[CONFIG].data_dir), "system")


async def comprehensive_health(request: web.Request) -> web.Response:
    admitted = await _admitted(request)
    if isinstance(admitted, web.Response):
        return admitted
    service, probed = admitted
    pool = pool_figures(service.backend)

    async def unit(cr: Cursor) -> dict[str, dict[str, Any]]:
        figures = await database_figures(cr, service.backend, pool)
        figures["bus"] = await bus_figures(cr, request.app[BUS_HUB])
        return figures

    if probed["status"] == "fail":      # gone since the caller was checked
        checks = {"database": probed}
    else:
        checks = await service.run(unit, readonly=True)
        checks["database"] = merged(probed, checks["database"])
    checks.update(system_checks(request.app[CONFIG].data_dir))
    return report(checks, "comprehensive")


#: (method, path, handler), added to the app by routes.py (beyond the two probes in its core table).
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/health/database", database_health),
    ("GET", f"{PREFIX}/health/system", system_health),
    ("GET", f"{PREFIX}/health/comprehensive", comprehensive_health),
]
