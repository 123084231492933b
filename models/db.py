"""The one seam between async code and the database.

peewee builds every statement (``query.sql()``); a :class:`Cursor` runs it.
Two backends, chosen by measurement (``docs/decisions.md``):

* SQLite: one connection per process, used synchronously on the event loop.
  A unit of work holds an ``asyncio.Lock`` from BEGIN to COMMIT, so two
  requests never share a transaction even if one of them awaits in the
  middle (the hazard ``perf-baseline.md`` demonstrates for sync peewee).
* PostgreSQL: an asyncpg pool. peewee's ``%s`` placeholders are rewritten to
  ``$n`` once per distinct statement; text codecs make dates, datetimes and
  numerics come back exactly as they do from SQLite (strings and floats), so
  nothing above this module branches on the backend.

A unit of work is one transaction: ``async with backend.transaction() as
cr``. Read-only units run their statements without BEGIN (each statement is
atomic on its own and the request writes nothing). Write units on
PostgreSQL run at REPEATABLE READ, as Odoo's cursors do, and a serialization
failure or deadlock surfaces as :class:`ConcurrencyError` for the caller to
retry. Driver integrity errors are translated once, here, into
:class:`ValidationError`.
"""
from __future__ import annotations

import abc
import asyncio
import contextlib
import contextvars
import decimal
import functools
import logging
import os
import re
import sqlite3
from typing import Any, AsyncIterator, Awaitable, Callable, Sequence
from urllib.parse import urlparse

import peewee

from .exceptions import ConcurrencyError, ValidationError

_logger = logging.getLogger(__name__)

Params = Sequence[Any]
PostCommit = Callable[[], "Awaitable[None] | None"]
PreCommit = Callable[["Cursor"], Awaitable[None]]

sqlite3.register_adapter(decimal.Decimal, str)


INTEGRITY_MESSAGE = (
    "The operation cannot be completed:\n"
    "- Create/update: a mandatory field is not set.\n"
    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n"
)


def integrity_error(table: str | None, column: str | None, kind: str,
                    constraint: str | None = None) -> ValidationError:
    """Odoo's wording for a constraint violation (``odoo/service/model.py``)."""
    if kind == "unique":
        what = constraint or (f"{table}.{column}" if column else table or "")
        message = f"The operation cannot be completed: duplicate value ({what})."
    else:
        message = INTEGRITY_MESSAGE
        if table:
            message += f"\nModel: {table.replace('_', '.')}"
        if column:
            message += f"\nField: {column}"
    field_errors = {column: message.strip().splitlines()[0]} if column else {}
    return ValidationError(message, field_errors=field_errors)


_STATIC_SQL: dict[tuple[type, str], str] = {}


class Cursor(abc.ABC):
    """Runs peewee-built SQL inside one unit of work."""

    def __init__(self, dialect: peewee.Database) -> None:
        self.dialect = dialect
        self.postcommit: list[PostCommit] = []
        #: Run inside the transaction, just before COMMIT (the bus writes its rows then).
        self.precommit: list[PreCommit] = []
        #: Work a unit collects on the way and writes in a precommit step, per owner.
        self.buffers: dict[str, Any] = {}
        self.readonly = False
        #: The audit entries of the business operation under way (models/audit.py batch).
        self.audit_batch: Any = None

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[tuple]:
        """Run a statement; answer its rows."""

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; answer the number of rows it touched."""

    def sql(self, query: peewee.Node) -> tuple[str, list[Any]]:
        return self.dialect.get_sql_context().parse(query)

    async def static_rows(self, name: str, build: Callable[[], peewee.Node],
                          params: Params) -> list[tuple]:
        """Rows of a statement whose text never varies (only its parameters do).

        ``build`` makes the query once (with placeholder values in the order of
        ``params``); its text is kept per dialect, saving peewee's rendering on
        the queries every request runs (session, user).
        """
        key = (type(self.dialect), name)
        sql = _STATIC_SQL.get(key)
        if sql is None:
            sql = _STATIC_SQL[key] = self.sql(build())[0]
        return await self.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> tuple | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return row[0] if row else None

    async def first(self, query: peewee.Node) -> tuple | None:
        rows = await self.rows(query)
        return rows[0] if rows else None

    async def rows(self, query: peewee.Node) -> list[tuple]:
        sql, params = self.sql(query)
        return await self.fetchall(sql, params)

    async def run(self, query: peewee.Node) -> int:
        sql, params = self.sql(query)
        return await self.execute(sql, params)

    async def insert(self, query: peewee.Insert) -> list[int]:
        """Run an INSERT ... RETURNING id; answer the new ids in insertion order."""
        sql, params = self.sql(query)
        return [row[0] for row in await self.fetchall(sql, params)]

    def after_commit(self, callback: PostCommit) -> None:
        self.postcommit.append(callback)

    def before_commit(self, callback: PreCommit) -> None:
        self.precommit.append(callback)

    async def run_precommit(self) -> None:
        while self.precommit:
            await self.precommit.pop(0)(self)


class Backend(abc.ABC):
    kind = ""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect: peewee.Database = self._make_dialect()

    @abc.abstractmethod
    def _make_dialect(self) -> peewee.Database:
        """The peewee database object that renders SQL for this backend."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Open connections (called once the event loop runs)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close connections."""

    @abc.abstractmethod
    def transaction(self, readonly: bool = False) -> contextlib.AbstractAsyncContextManager[Cursor]:
        """One unit of work."""

    @abc.abstractmethod
    def sync_database(self) -> peewee.Database:
        """A synchronous peewee database on the same data (migrations, admin CLI)."""

    @contextlib.asynccontextmanager
    async def request_scope(self) -> AsyncIterator[None]:
        """Let the units of work of one request share one connection (see PostgresBackend)."""
        yield

    @abc.abstractmethod
    async def analyze(self) -> None:
        """Refresh the planner's statistics (after bulk loads)."""

    async def run_unit(self, fn: Callable[[Cursor], Awaitable[Any]], readonly: bool = False,
                       tries: int = 5) -> Any:
        """Run ``fn`` in one transaction, retrying lost races as Odoo's ``retrying`` does."""
        for attempt in range(1, tries + 1):
            try:
                async with self.transaction(readonly) as cr:
                    result = await fn(cr)
                break
            except ConcurrencyError:
                if attempt == tries:
                    raise
                await asyncio.sleep(min(0.05 * 2 ** attempt, 1.0) * (0.5 + os.urandom(1)[0] / 512))
        for callback in cr.postcommit:
            outcome = callback()
            if outcome is not None:
                await outcome
        return result


# ---------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------

_SQLITE_INTEGRITY = (
    (re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)"), "unique"),
    (re.compile(r"NOT NULL constraint failed: (\w+)\.(\w+)"), "not_null"),
    (re.compile(r"FOREIGN KEY constraint failed"), "foreign_key"),
    (re.compile(r"CHECK constraint failed: (\w+)"), "check"),
)


def _sqlite_integrity(exc: sqlite3.IntegrityError) -> ValidationError:
    text = str(exc)
    for pattern, kind in _SQLITE_INTEGRITY:
        match = pattern.search(text)
        if match:
            groups = match.groups()
            table = groups[0] if len(groups) > 1 else None
            column = groups[1] if len(groups) > 1 else None
            constraint = groups[0] if kind == "check" else None
            return integrity_error(table, column, kind, constraint)
    return integrity_error(None, None, "other")


class SqliteCursor(Cursor):
    def __init__(self, conn: sqlite3.Connection, dialect: peewee.Database) -> None:
        super().__init__(dialect)
        self._conn = conn

    def _run(self, sql: str, params: Params) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise _sqlite_integrity(exc) from None
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ConcurrencyError(str(exc)) from exc
            raise

    async def fetchall(self, sql: str, params: Params = ()) -> list[tuple]:
        cursor = self._run(sql, params)
        try:
            return cursor.fetchall()
        except sqlite3.IntegrityError as exc:   # raised while stepping (RETURNING)
            raise _sqlite_integrity(exc) from None

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self._run(sql, params).rowcount


#: Tables up to this many rows get exact statistics at start (SqliteBackend.analyze).
FULL_ANALYZE_ROWS = 200_000


class SqliteBackend(Backend):
    kind = "sqlite"
    PRAGMAS = (
        ("journal_mode", "wal"),
        ("synchronous", "normal"),
        ("foreign_keys", 1),
        ("busy_timeout", 5000),
        ("cache_size", -16000),
    )

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = sqlite_path(url)
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    def _make_dialect(self) -> peewee.Database:
        return peewee.SqliteDatabase(None)

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for name, value in self.PRAGMAS:
            conn.execute(f"PRAGMA {name} = {value}")
        # ilike with non-ASCII patterns (domain/compile.py): SQLite's LIKE folds ASCII only
        conn.create_function("unicode_lower", 1,
                             lambda v: v.lower() if isinstance(v, str) else v, deterministic=True)
        return conn

    async def start(self) -> None:
        if self._conn is None:
            self._conn = self._connect()
            await self.analyze()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.execute("PRAGMA optimize")
            self._conn.close()
            self._conn = None

    async def analyze(self) -> None:
        """ANALYZE, whole for tables up to FULL_ANALYZE_ROWS and sampled for larger ones.

        Without statistics SQLite sorts whole tables instead of walking an index
        (1.4 ms against 0.14 ms for the menu query, measured). Sampled statistics
        read an index's first entries only, so on a database of several restaurants
        they take one restaurant's share of the products for all: the menu query then
        sorted a 5,000-product restaurant's whole menu (2.5 ms instead of 0.3 ms per
        query, measured by ``make bench``). Product, partner and table lists are small
        enough to count exactly; order and log tables are sampled."""
        if self._conn is None:
            await self.start()
            return
        async with self._lock:
            tables = [row[0] for row in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]
            for table in tables:
                (rows,) = self._conn.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()
                limit = 0 if (rows or 0) <= FULL_ANALYZE_ROWS else 1000
                self._conn.execute(f"PRAGMA analysis_limit = {limit}")
                self._conn.execute(f'ANALYZE "{table}"')

    def transaction(self, readonly: bool = False) -> "_SqliteUnit":
        return _SqliteUnit(self, readonly)

    def sync_database(self) -> peewee.Database:
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        return peewee.SqliteDatabase(self.path, pragmas=dict(self.PRAGMAS))


class _SqliteUnit:
    """One unit of work on the SQLite connection: the lock from BEGIN to COMMIT.

    A plain class rather than a generator-based context manager: it is entered
    on every request, and this is the cheaper form.
    """

    __slots__ = ("backend", "readonly", "cr")

    def __init__(self, backend: SqliteBackend, readonly: bool) -> None:
        self.backend = backend
        self.readonly = readonly
        self.cr: SqliteCursor | None = None

    async def __aenter__(self) -> Cursor:
        backend = self.backend
        if backend._conn is None:
            await backend.start()
        conn = backend._conn
        assert conn is not None
        await backend._lock.acquire()
        cr = self.cr = SqliteCursor(conn, backend.dialect)
        cr.readonly = self.readonly
        if not self.readonly:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                backend._lock.release()
                raise ConcurrencyError(str(exc)) from exc
        return cr

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        backend = self.backend
        try:
            if not self.readonly:
                conn = backend._conn
                assert conn is not None
                if exc_type is None and self.cr is not None and self.cr.precommit:
                    try:
                        await self.cr.run_precommit()
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                if exc_type is None:
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.Error as error:
                        conn.execute("ROLLBACK")
                        if isinstance(error, sqlite3.IntegrityError):
                            raise _sqlite_integrity(error) from None
                        raise ConcurrencyError(str(error)) from error
                else:
                    conn.execute("ROLLBACK")
        finally:
            backend._lock.release()


def sqlite_path(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    if url.startswith("sqlite://"):
        return url[len("sqlite://"):] or ":memory:"
    return url


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def to_dollar_params(sql: str) -> str:
    """peewee's ``%s`` placeholders -> asyncpg's ``$1, $2, ...``."""
    parts = sql.split("%s")
    if len(parts) == 1:
        return sql
    out = [parts[0]]
    for index, part in enumerate(parts[1:], start=1):
        out.append(f"${index}")
        out.append(part)
    return "".join(out)


def _pg_error(exc: Exception) -> Exception:
    import asyncpg

    if isinstance(exc, (asyncpg.SerializationError, asyncpg.DeadlockDetectedError,
                        asyncpg.LockNotAvailableError)):
        return ConcurrencyError(str(exc))
    if isinstance(exc, asyncpg.UniqueViolationError):
        return integrity_error(exc.table_name, exc.column_name, "unique", exc.constraint_name)
    if isinstance(exc, asyncpg.NotNullViolationError):
        return integrity_error(exc.table_name, exc.column_name, "not_null")
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return integrity_error(exc.table_name, exc.column_name, "foreign_key")
    if isinstance(exc, asyncpg.CheckViolationError):
        return integrity_error(exc.table_name, exc.column_name, "check", exc.constraint_name)
    if isinstance(exc, (asyncpg.DataError, asyncpg.exceptions.DataError)):
        return ValueError(str(exc))
    return exc


class PgCursor(Cursor):
    def __init__(self, conn: Any, dialect: peewee.Database) -> None:
        super().__init__(dialect)
        self._conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[tuple]:
        import asyncpg

        try:
            return await self._conn.fetch(to_dollar_params(sql), *params)
        except (asyncpg.PostgresError, asyncpg.DataError) as exc:
            raise _pg_error(exc) from None

    async def execute(self, sql: str, params: Params = ()) -> int:
        import asyncpg

        try:
            status = await self._conn.execute(to_dollar_params(sql), *params)
        except (asyncpg.PostgresError, asyncpg.DataError) as exc:
            raise _pg_error(exc) from None
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0


def _numeric_out(value: Any) -> str:
    if isinstance(value, float) and value != value:
        raise ValueError("NaN is not a number")
    return str(value)


async def _keep_session(conn: Any) -> None:
    """Pool reset: nothing beyond what asyncpg always does (roll back a stray
    transaction, wait out a cancelled query). Our connections never change
    session state (settings are fixed at connect, LISTEN uses its own
    connection), so the default ``RESET ALL``/``UNLISTEN *`` round trip would
    only cost one more exchange with the server per request."""


async def _init_pg_connection(conn: Any) -> None:
    """Wire formats equal to SQLite's: text dates/datetimes, float numerics."""
    for type_name in ("timestamp", "date"):
        await conn.set_type_codec(type_name, schema="pg_catalog", encoder=str, decoder=str,
                                  format="text")
    await conn.set_type_codec("numeric", schema="pg_catalog", encoder=_numeric_out,
                              decoder=float, format="text")


_scoped_connection: contextvars.ContextVar["_Scope | None"] = contextvars.ContextVar(
    "gateway_scoped_connection", default=None)


class _Scope:
    __slots__ = ("conn",)

    def __init__(self) -> None:
        self.conn: Any = None


class PostgresBackend(Backend):
    """asyncpg pool. A request scope acquires at most one connection, lazily, and
    every unit of work of the request runs on it: a pool acquire and release
    (with its reset round trip) costs about 200 µs here, so a call_kw that
    loads its session and then runs its method pays it once, not twice. Work
    that waits for long (long-polling) must run outside a request scope."""

    kind = "postgresql"

    def __init__(self, url: str, pool_size: int = 8, acquire_timeout: float = 5.0,
                 command_timeout: float = 30.0) -> None:
        super().__init__(url)
        self.pool_size = pool_size
        self.acquire_timeout = acquire_timeout
        self.command_timeout = command_timeout
        self.pool: Any = None
        # FIFO gate in front of the pool: asyncio pools are not fair when saturated
        # (a woken waiter that loses the race re-queues at the back; see
        # perf-baseline.md, gotcha 7), a semaphore is.
        self._gate = asyncio.Semaphore(pool_size)

    def _make_dialect(self) -> peewee.Database:
        return peewee.PostgresqlDatabase(None)

    async def start(self) -> None:
        import asyncpg

        if self.pool is None:
            self.pool = await asyncpg.create_pool(
                self.url, min_size=self.pool_size, max_size=self.pool_size,
                init=_init_pg_connection, reset=_keep_session,
                command_timeout=self.command_timeout,
                max_inactive_connection_lifetime=300.0,
                server_settings={"DateStyle": "ISO, YMD", "TimeZone": "UTC",
                                 "application_name": "odoo-pos-gateway"},
            )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    @contextlib.asynccontextmanager
    async def request_scope(self) -> AsyncIterator[None]:
        scope = _Scope()
        token = _scoped_connection.set(scope)
        try:
            yield
        finally:
            _scoped_connection.reset(token)
            if scope.conn is not None:
                await self._release(scope.conn)

    async def _acquire(self) -> Any:
        if self.pool is None:
            await self.start()
        try:
            async with asyncio.timeout(self.acquire_timeout):
                await self._gate.acquire()
        except TimeoutError:
            raise ConcurrencyError("all database connections are busy") from None
        try:
            return await self.pool.acquire()
        except BaseException:
            self._gate.release()
            raise

    async def _release(self, conn: Any) -> None:
        try:
            await self.pool.release(conn)
        finally:
            self._gate.release()

    async def analyze(self) -> None:
        if self.pool is None:
            await self.start()
        await self.pool.execute("ANALYZE")

    @contextlib.asynccontextmanager
    async def transaction(self, readonly: bool = False) -> AsyncIterator[Cursor]:
        scope = _scoped_connection.get()
        if scope is not None:
            if scope.conn is None:
                scope.conn = await self._acquire()
            conn, owned = scope.conn, False
        else:
            conn, owned = await self._acquire(), True
        try:
            cr = PgCursor(conn, self.dialect)
            cr.readonly = readonly
            if readonly:
                yield cr
            else:
                tr = conn.transaction(isolation="repeatable_read")
                await tr.start()
                try:
                    yield cr
                except BaseException:
                    await tr.rollback()
                    raise
                else:
                    try:
                        await cr.run_precommit()
                    except BaseException:
                        await tr.rollback()
                        raise
                    try:
                        await tr.commit()
                    except Exception as exc:  # a deferred constraint or serialization failure
                        raise _pg_error(exc) from None
        finally:
            if owned:
                await self._release(conn)

    def sync_database(self) -> peewee.Database:
        parsed = urlparse(self.url)
        return peewee.PostgresqlDatabase(
            (parsed.path or "/").lstrip("/") or None,
            user=parsed.username, password=parsed.password,
            host=parsed.hostname, port=parsed.port or 5432,
        )


def make_backend(url: str, pool_size: int = 8) -> Backend:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("postgres", "postgresql"):
        return PostgresBackend(url, pool_size=pool_size)
    if scheme == "sqlite" or "://" not in url:
        return SqliteBackend(url)
    raise ValueError(f"unsupported database URL scheme {scheme!r} (use sqlite:/// or postgresql://)")
