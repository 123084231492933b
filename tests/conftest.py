"""Fixtures: real databases (SQLite and PostgreSQL) and real servers on real sockets.

Every test that asks for ``db`` gets a database of its own, copied from a
template built once per run (migrations + base records + demo data), on
each backend in ``GATEWAY_TEST_BACKENDS`` (default: sqlite,postgresql).
PostgreSQL is reached at ``GATEWAY_TEST_PG_URL``; when it cannot be reached
its tests are skipped with the reason, unless ``GATEWAY_TEST_REQUIRE_SERVICES``
is set (CI), in which case they fail.

``live_server`` runs the gateway in a background thread with its own event
loop, so the synchronous client libraries (OdooRPC, odoo-client-lib,
erppeek, xmlrpc.client) can talk to it over a socket from the test itself.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterator

import pytest
from aiohttp import web

from gateway import bootstrap, demo
from gateway.app import create_app
from gateway.config import Config, load
from tests.printer_listener import PrinterListener

PG_URL = os.environ.get("GATEWAY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("GATEWAY_TEST_BACKENDS", "sqlite,postgresql").split(",")
            if b.strip()]
REQUIRE_SERVICES = bool(os.environ.get("GATEWAY_TEST_REQUIRE_SERVICES"))
#: Days of past sales in the test databases: enough for reports to have history, short
#: enough to build fast (tests/test_demo.py loads the full default month once).
DEMO_DAYS = int(os.environ.get("GATEWAY_TEST_DEMO_DAYS", "5"))
TEST_ENV = {"GATEWAY_BCRYPT_ROUNDS": "4", "GATEWAY_LOG_LEVEL": "warning"}


def _pg_admin() -> Any:
    import psycopg2
    conn = psycopg2.connect(PG_URL, connect_timeout=3)
    conn.autocommit = True
    return conn


_pg_error: str | None = None


def pg_available() -> bool:
    global _pg_error
    try:
        _pg_admin().close()
        return True
    except Exception as exc:  # any failure to connect means "not available here"
        _pg_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return False


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{dbname}"


def make_config(tmp_dir: str, database_url: str = "", **overrides: Any) -> Config:
    environ = dict(TEST_ENV, GATEWAY_DATA_DIR=tmp_dir)
    if database_url:
        environ["GATEWAY_DATABASE_URL"] = database_url
    config = load(environ=environ, search=False)
    return config.replace(**overrides) if overrides else config


async def _populate(config: Config) -> None:
    backend = bootstrap.backend_for(config)
    registry = bootstrap.registry_for(backend, config)
    await bootstrap.install_base(backend, registry, "admin")
    await demo.load_demo(backend, registry, days=DEMO_DAYS)


def _build(config: Config) -> None:
    backend = bootstrap.backend_for(config)
    bootstrap.migrate_schema(backend)
    asyncio.run(_populate(config))


@dataclass
class TestDatabase:
    kind: str
    config: Config

    @property
    def url(self) -> str:
        return self.config.resolved_database_url


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One populated template database per backend, built on first use."""
    built: dict[str, Any] = {}
    root = tmp_path_factory.mktemp("templates")

    def get(kind: str) -> Any:
        if kind in built:
            return built[kind]
        if kind == "sqlite":
            config = make_config(str(root / "sqlite"))
            _build(config)
            path = bootstrap.backend_for(config).path  # type: ignore[attr-defined]
            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            built[kind] = path
        else:
            name = f"gateway_tpl_{os.getpid()}"
            admin = _pg_admin()
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cur.execute(f'CREATE DATABASE "{name}"')
            admin.close()
            _build(make_config(str(root / "pg"), _pg_url(name)))
            built[kind] = name
        return built[kind]

    yield get  # type: ignore[misc]
    if "postgresql" in built:
        admin = _pg_admin()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{built["postgresql"]}"')
        admin.close()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, templates: Any, tmp_path: Any) -> Iterator[TestDatabase]:
    """A fresh, populated database of its own for this test."""
    kind = request.param
    if kind == "sqlite":
        source = templates("sqlite")
        config = make_config(str(tmp_path))
        target = bootstrap.backend_for(config).path  # type: ignore[attr-defined]
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)
        yield TestDatabase(kind, config)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown backend {kind!r} in GATEWAY_TEST_BACKENDS")
    if not pg_available():
        message = f"PostgreSQL not reachable at {PG_URL}: {_pg_error}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    template = templates("postgresql")
    name = f"gateway_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield TestDatabase(kind, make_config(str(tmp_path), _pg_url(name)))
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def app(db: TestDatabase) -> web.Application:
    return create_app(db.config)


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> Any:
    """An aiohttp test client on a real loopback socket, in the test's event loop."""
    return await aiohttp_client(app)


class LiveServer:
    """The gateway on 127.0.0.1:<port>, served from its own thread and event loop."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_name(self) -> str:
        return self.config.db_name

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        runner = web.AppRunner(create_app(self.config), handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def start(self) -> "LiveServer":
        self.thread.start()
        self._ready.wait(30)
        if self._error:
            raise self._error
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture
def live_server(db: TestDatabase) -> Iterator[LiveServer]:
    server = LiveServer(db.config).start()
    try:
        yield server
    finally:
        server.stop()


class Orm:
    """Run model code directly against the test database, as a given user.

    ``await orm.run(fn, login="waiter")`` calls ``fn(env)`` in one unit of work
    (one transaction) with the environment of that user (superuser if no
    login), exactly as a front would after authenticating.
    """

    def __init__(self, database: TestDatabase) -> None:
        self.database = database
        self.backend = bootstrap.backend_for(database.config)
        self.registry = bootstrap.registry_for(self.backend, database.config)

    async def run(self, fn: Any, login: str | None = None, context: dict[str, Any] | None = None,
                  readonly: bool = False) -> Any:
        from models.env import Env

        async def unit(cr: Any) -> Any:
            env = Env(cr, self.registry, None)
            if login is not None:
                users = self.registry["res.users"]
                row = await cr.first(users.select(users.id).where(users.login == login))
                assert row, f"no user {login!r}"
                user = await users._user_info(env, row[0])
                env = Env(cr, self.registry, user, context)
            elif context:
                env = env.with_context(**context)
            return await fn(env)

        return await self.backend.run_unit(unit, readonly=readonly)

    async def close(self) -> None:
        await self.backend.close()


@pytest.fixture
async def orm(db: TestDatabase) -> Any:
    helper = Orm(db)
    await helper.backend.start()
    yield helper
    await helper.close()


@pytest.fixture
async def listener() -> AsyncIterator[PrinterListener]:
    """A real TCP listener on 127.0.0.1 standing in for a network printer."""
    printer = await PrinterListener().start()
    yield printer
    await printer.stop()
