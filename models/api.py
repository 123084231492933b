"""Which model methods clients may call, and how their arguments bind.

Odoo exposes every public method of a model; a peewee model class also has
dozens of public classmethods (``select``, ``delete``, ``insert``...) that
must never be reachable from a request. So here nothing is callable over
RPC unless it is declared with :func:`public`, which also records the call
convention Odoo's ``api.call_kw`` derives from its decorators:

* ``model``: called as ``method(env, *args, **kwargs)``;
* ``records``: ``args[0]`` is the ids the method works on;
* ``create``: ``args[0]`` is one dict (answer an id) or a list (answer ids).

``readonly`` methods run without opening a write transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class PublicMethod:
    name: str           # the Odoo name clients call
    attr: str           # the Python attribute on the model class
    kind: str           # 'model' | 'records' | 'create'
    readonly: bool


def public(kind: str = "model", *, name: str | None = None, readonly: bool = False) -> Callable[[Callable[..., Any]], classmethod]:
    if kind not in ("model", "records", "create"):
        raise ValueError(f"unknown method kind {kind!r}")

    def decorate(fn: Callable[..., Any]) -> classmethod:
        fn.__rpc__ = (kind, name or fn.__name__, readonly)  # type: ignore[attr-defined]
        return classmethod(fn)
    return decorate


def public_methods(cls: type) -> dict[str, PublicMethod]:
    """The RPC table of a model class, walking its MRO (subclasses override)."""
    table: dict[str, PublicMethod] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            func = getattr(value, "__func__", None)
            spec = getattr(func, "__rpc__", None)
            if spec:
                kind, name, readonly = spec
                table[name] = PublicMethod(name, attr, kind, readonly)
    return table
