"""Schema history: peewee's migration runner over numbered files in ``migrations/``.

The schema is only ever created or changed by migrations (never by
``create_tables`` at serve time). A developer who changes a model runs
``gateway db makemigration <name>``: the models are *frozen* into plain
peewee classes (column types only, none of our Odoo metadata, so an old
migration never changes when the code does), diffed against a database at
the current head with ``playhouse.schema_diff``, and rendered into a new
file by ``playhouse.migrations.template``. ``gateway db migrate`` applies
pending files with ``playhouse.migrations.Runner``.
"""
from __future__ import annotations

import os
import re
from typing import Any, Iterable

import peewee
from playhouse import migrations as pw_migrations
from playhouse.schema_diff import diff_models

from . import fields as F

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def _storage_field(field: Any, frozen: dict[str, type], model: type) -> peewee.Field:
    """The plain peewee field that stores ``field`` (same column type and constraints)."""
    common: dict[str, Any] = {"null": field.null}
    if field.column_name != field.name:
        common["column_name"] = field.column_name
    if field.primary_key and not isinstance(field, peewee.AutoField):
        common["primary_key"] = True
    if field.unique:
        common["unique"] = True
    elif field.index and not isinstance(field, peewee.ForeignKeyField):
        common["index"] = True
    if isinstance(field, peewee.ForeignKeyField):
        target = field.rel_model
        if field.deferred or target._meta.table_name not in frozen and target is not model:
            return peewee.IntegerField(index=field.index, **common)
        rel = "self" if target is model else frozen[target._meta.table_name]
        common["column_name"] = field.column_name   # peewee would append "_id" otherwise
        return peewee.ForeignKeyField(rel, on_delete=field.on_delete, backref="+",
                                      index=field.index, **common)
    if isinstance(field, F.Float) and field.digits:
        return peewee.DecimalField(max_digits=field.digits[0], decimal_places=field.digits[1],
                                   **common)
    for ours, storage in (
        (peewee.AutoField, peewee.AutoField), (peewee.TextField, peewee.TextField),
        (peewee.CharField, peewee.CharField), (peewee.BooleanField, peewee.BooleanField),
        (peewee.BigIntegerField, peewee.BigIntegerField), (peewee.IntegerField, peewee.IntegerField), (peewee.DoubleField, peewee.DoubleField),
        (peewee.DateTimeField, peewee.DateTimeField), (peewee.DateField, peewee.DateField),
        (peewee.BlobField, peewee.BlobField),
    ):
        if isinstance(field, ours):
            if storage is peewee.AutoField:
                return peewee.AutoField()
            if storage is peewee.CharField:
                return peewee.CharField(max_length=field.max_length, **common)
            return storage(**common)
    raise TypeError(f"no storage type for {field!r}")


def _class_name(table: str) -> str:
    return "".join(part.title() for part in re.split(r"[^a-zA-Z0-9]", table) if part)


def freeze(tables: Iterable[type], database: peewee.Database) -> list[type]:
    """Plain peewee copies of ``tables``, bound to ``database``, in dependency order."""
    frozen: dict[str, type] = {}
    ordered = peewee.sort_models(list(tables))
    for model in ordered:
        meta = model._meta
        attrs: dict[str, Any] = {}
        for field in meta.sorted_fields:
            if isinstance(field, peewee.AutoField):
                continue
            attrs[field.name] = _storage_field(field, frozen, model)
        meta_attrs: dict[str, Any] = {"database": database, "table_name": meta.table_name}
        if isinstance(meta.primary_key, peewee.CompositeKey):
            meta_attrs["primary_key"] = peewee.CompositeKey(*meta.primary_key.field_names)
        if meta.indexes:
            meta_attrs["indexes"] = tuple(meta.indexes)
        attrs["Meta"] = type("Meta", (), meta_attrs)
        frozen[meta.table_name] = type(_class_name(meta.table_name), (peewee.Model,), attrs)
    return list(frozen.values())


def runner(database: peewee.Database) -> pw_migrations.Runner:
    return pw_migrations.Runner(database, MIGRATIONS_DIR)


def migrate(database: peewee.Database) -> list[str]:
    """Apply pending migrations; answer their names."""
    return runner(database).up() or []


def pending(database: peewee.Database) -> list[str]:
    return [m.name for m in runner(database).status() if m.path and not m.applied]


def newest_migration() -> str | None:
    existing = pw_migrations.Migration.load_directory(MIGRATIONS_DIR)
    return existing[-1].path if existing else None


def make_migration(database: peewee.Database, tables: Iterable[type], name: str) -> str | None:
    """Write the migration that brings ``database`` (at head) to ``tables``; its path or None."""
    diff = diff_models(database, freeze(tables, database))
    if not diff:
        return None
    body = pw_migrations.template(diff)
    existing = pw_migrations.Migration.load_directory(MIGRATIONS_DIR)
    number = max((m.idx for m in existing), default=0) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "change"
    path = os.path.join(MIGRATIONS_DIR, f"{number:04d}_{slug}.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f'"""{name}"""\n' + body)
    return path
