"""The registry: Odoo model names -> model classes, for one database.

Model classes are set up once per process (relations resolved, field tables
built); a :class:`Registry` is the per-database view the RPC layer resolves
``model`` strings with, and holds what depends on the database: the SQL
dialect and the caches of read plans.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable

import peewee

from . import fields as F
from .sql_cache import SqlCache

_setup_lock = threading.Lock()
_set_up: set[type] = set()


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.replace(".", "_").split("_"))


def setup_models(classes: Iterable[type]) -> list[type]:
    """Resolve many2one targets and build the Odoo field tables (idempotent)."""
    classes = list(classes)
    with _setup_lock:
        pending = [cls for cls in classes if cls not in _set_up]
        if not pending:
            return classes
        for cls in classes:
            peewee.DeferredForeignKey.resolve(cls)
        unresolved = [f for f in peewee.DeferredForeignKey._unresolved
                      if isinstance(f, F.Many2one) and getattr(f, "model", None) in pending]
        if unresolved:
            names = ", ".join(f"{f.model._name}.{f.name} -> {f.comodel_name}" for f in unresolved)
            raise TypeError(f"many2one fields to unknown models: {names}")
        by_name = {cls._name: cls for cls in classes}
        for cls in pending:
            cls._setup()
            for field in cls._fields.values():
                if isinstance(field, F.Many2many):
                    comodel = by_name[field.comodel_name]
                    field.setup_relation(cls._meta.table_name, comodel._meta.table_name)
        _set_up.update(pending)
    return classes


def through_models(classes: Iterable[type]) -> list[type]:
    """peewee models for the many2many link tables (one per relation name)."""
    classes = list(classes)
    by_name = {cls._name: cls for cls in classes}
    result: dict[str, type] = {}
    for cls in classes:
        for field in cls._fields.values():
            if not isinstance(field, F.Many2many) or field.relation in result:
                continue
            comodel = by_name[field.comodel_name]
            attrs: dict[str, Any] = {
                field.column1: peewee.ForeignKeyField(cls, column_name=field.column1,
                                                      on_delete="CASCADE", backref="+"),
                field.column2: peewee.ForeignKeyField(comodel, column_name=field.column2,
                                                      on_delete="CASCADE", backref="+"),
                "Meta": type("Meta", (), {
                    "table_name": field.relation,
                    "primary_key": peewee.CompositeKey(field.column1, field.column2),
                    "indexes": (((field.column2,), False),),
                }),
            }
            result[field.relation] = type(_camel(field.relation), (peewee.Model,), attrs)
    return list(result.values())


class Registry:
    def __init__(self, classes: Iterable[type], backend_kind: str,
                 options: dict[str, Any] | None = None) -> None:
        self.classes = setup_models(classes)
        self.models: dict[str, Any] = {cls._name: cls for cls in self.classes}
        self.backend_kind = backend_kind
        #: Settings the business code reads (bcrypt cost, ...), from the gateway config.
        self.options = dict(options or {})
        #: (model, fields, classic load) -> ReadPlan
        self.read_plans: dict[tuple, Any] = {}
        #: statement key -> rendered (sql, params); see models/sql_cache.py
        self.sql_cache = SqlCache()

    def __getitem__(self, name: str) -> Any:
        try:
            return self.models[name]
        except (KeyError, TypeError):
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self.models

    def __iter__(self) -> Any:
        return iter(self.models)

    def tables(self) -> list[type]:
        """Every table the schema holds: models (but those with ``_auto = False``) and
        their link tables."""
        stored = [cls for cls in self.classes if getattr(cls, "_auto", True)]
        return stored + through_models(stored)
