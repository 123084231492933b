"""Creating, migrating and checking a database before it serves."""
from __future__ import annotations

import os
import tempfile
from typing import Any

import peewee

from hardware_bridge.bridge import settings_from as bridge_settings
from hardware_bridge.template import compile_template
from models import SUPPORT_TABLES, base_data, make_registry, schema
from models.db import Backend, Cursor, make_backend
from models.env import Env
from models.exceptions import ValidationError
from models.registry import Registry

from .config import Config


def backend_for(config: Config) -> Backend:
    """A backend for one-off work (the CLI, loading data): a small pool is enough."""
    return make_backend(config.resolved_database_url, pool_size=min(2, config.db_maxconn))


def migrate_schema(backend: Backend) -> list[str]:
    """Apply pending migrations (synchronously, before any server runs)."""
    database = backend.sync_database()
    try:
        applied = schema.migrate(database)
        database.execute_sql("ANALYZE")
        return applied
    finally:
        database.close()


def pending_migrations(backend: Backend) -> list[str]:
    database = backend.sync_database()
    try:
        return schema.pending(database)
    finally:
        database.close()


async def install_base(backend: Backend, registry: Registry, admin_password: str) -> bool:
    async def unit(cr: Cursor) -> bool:
        return await base_data.install(Env(cr, registry, None), admin_password)
    await backend.start()
    try:
        return await backend.run_unit(unit)
    finally:
        await backend.close()


async def demo_loaded(backend: Backend, registry: Registry) -> bool:
    from .demo import MARKER

    async def unit(cr: Cursor) -> bool:
        env = Env(cr, registry, None)
        return await env["ir.model.data"]._xmlid_to_res_id(MARKER) is not None
    await backend.start()
    try:
        return await backend.run_unit(unit, readonly=True)
    finally:
        await backend.close()


async def configure_printers(backend: Backend, registry: Registry, config: Config) -> int:
    """``[hardware] printers`` into ``hw.printer`` (each restaurant's, by name), before
    anything serves, in one unit: a printer the policy refuses stops the start, naming
    it. Answers how many were set up."""
    if not config.printers:
        return 0

    async def unit(cr: Cursor) -> int:
        env = Env(cr, registry, None)
        restaurants = sorted({entry["restaurant"] for entry in config.printers})
        known = set(await env.with_context(active_test=False)["res.company"].search(
            [("id", "in", restaurants)]))
        count = 0
        for restaurant in restaurants:
            if restaurant not in known:
                raise ValidationError(f"[hardware] printers: restaurant {restaurant} does "
                                      "not exist")
            entries = [e for e in config.printers if e["restaurant"] == restaurant]
            scoped = env.with_context(allowed_company_ids=[restaurant])
            count += len(await scoped["hw.printer"]._configure(restaurant, entries))
        return count
    await backend.start()
    try:
        return await backend.run_unit(unit)
    finally:
        await backend.close()


async def admin_has_default_password(backend: Backend, registry: Registry) -> bool:
    async def unit(cr: Cursor) -> bool:
        env = Env(cr, registry, None)
        try:
            await registry["res.users"]._authenticate(env, "admin", "admin", allow_apikey=False)
        except Exception:
            return False
        return True
    await backend.start()
    try:
        return await backend.run_unit(unit, readonly=True)
    finally:
        await backend.close()


def make_schema_migration(name: str, amend: bool = False) -> str | None:
    """Developer tool: write the migration from the current head to the models.

    The diff is taken against a scratch SQLite database migrated to head, not
    against any real data. ``amend`` first removes the newest migration file
    and writes it again from the models as they are now: for a migration that
    is still being written and has been applied nowhere yet.
    """
    if amend:
        newest = schema.newest_migration()
        if newest is None:
            raise ValueError("there is no migration to amend")
        os.remove(newest)
    registry = make_registry("sqlite")
    with tempfile.TemporaryDirectory() as scratch:
        database = peewee.SqliteDatabase(os.path.join(scratch, "head.sqlite3"))
        try:
            schema.migrate(database)
            return schema.make_migration(database, registry.tables() + SUPPORT_TABLES, name)
        finally:
            database.close()


def registry_for(backend: Backend, config: Config) -> Registry:
    options: dict[str, Any] = {"bcrypt_rounds": config.bcrypt_rounds,
                               "printer_address_policy": bridge_settings(config).policy,
                               "template_check": compile_template}
    return make_registry(backend.kind, options)
