"""The environment a model method runs in: cursor, user, context, companies.

As in Odoo, ``env['pos.order']`` gives the model bound to this environment,
and the context's ``allowed_company_ids`` selects the active companies
(the first is the current one). The environment is the only way model code
learns who is calling; the access checks in ``security.py`` read it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .exceptions import AccessError

if TYPE_CHECKING:  # pragma: no cover
    from .db import Cursor
    from .registry import Registry

SUPERUSER_ID = 1


@dataclass(frozen=True)
class UserInfo:
    """What access checks need to know of a user, loaded once per change."""

    id: int
    login: str
    name: str
    partner_id: int | None
    company_id: int
    company_ids: tuple[int, ...]
    groups: frozenset[str]
    lang: str = "en_US"
    tz: str | None = None
    active: bool = True
    share: bool = False
    #: Companies visible beyond the user's own (a platform owner's restaurants).
    extra_company_ids: tuple[int, ...] = field(default=())

    def has_group(self, xmlid: str) -> bool:
        return xmlid in self.groups

    @property
    def allowed_company_ids(self) -> tuple[int, ...]:
        seen = dict.fromkeys(self.company_ids + self.extra_company_ids)
        return tuple(seen)


class BoundModel:
    """A model class bound to an environment: ``env['res.partner'].search(...)``."""

    __slots__ = ("cls", "env")

    def __init__(self, cls: Any, env: "Env") -> None:
        self.cls = cls
        self.env = env

    def __getattr__(self, name: str) -> Any:
        cls = self.cls
        method = cls._public.get(name)
        if method is not None:
            return functools.partial(getattr(cls, method.attr), self.env)
        if name.startswith("_"):
            value = getattr(cls, name)
            if callable(value) and not isinstance(value, type):
                return functools.partial(value, self.env)
            return value
        raise AttributeError(f"The method '{name}' does not exist on the model '{cls._name}'")

    def __repr__(self) -> str:
        return f"{self.cls._name}({self.env.uid})"


class Env:
    __slots__ = ("cr", "registry", "user", "context", "su", "companies", "_bound")

    def __init__(self, cr: "Cursor", registry: "Registry", user: UserInfo | None,
                 context: dict[str, Any] | None = None, su: bool = False,
                 companies: tuple[int, ...] | None = None) -> None:
        self.cr = cr
        self.registry = registry
        self.user = user
        self.context = dict(context or {})
        self.su = su or user is None
        self.companies = companies if companies is not None else self._select_companies()
        self._bound: dict[str, BoundModel] = {}

    def _select_companies(self) -> tuple[int, ...]:
        user = self.user
        if user is None:
            return ()
        requested = self.context.get("allowed_company_ids")
        if not requested:
            return (user.company_id,)
        if not isinstance(requested, (list, tuple)) or not all(
                isinstance(cid, int) and not isinstance(cid, bool) for cid in requested):
            raise AccessError("Access to unauthorized or invalid companies.")
        allowed = set(user.allowed_company_ids)
        if self.su:
            return tuple(requested)
        if any(cid not in allowed for cid in requested):
            raise AccessError("Access to unauthorized or invalid companies.")
        return tuple(requested)

    # -- identity ----------------------------------------------------------
    @property
    def uid(self) -> int:
        return self.user.id if self.user else SUPERUSER_ID

    @property
    def company_id(self) -> int | None:
        return self.companies[0] if self.companies else None

    @property
    def lang(self) -> str:
        return self.context.get("lang") or (self.user.lang if self.user else "en_US")

    @property
    def dialect_kind(self) -> str:
        return self.registry.backend_kind

    # -- models --------------------------------------------------------------
    def __getitem__(self, model_name: str) -> BoundModel:
        bound = self._bound.get(model_name)
        if bound is None:
            bound = self._bound[model_name] = BoundModel(self.registry[model_name], self)
        return bound

    def __contains__(self, model_name: str) -> bool:
        return model_name in self.registry

    # -- variants --------------------------------------------------------------
    def sudo(self) -> "Env":
        return Env(self.cr, self.registry, self.user, self.context, su=True,
                   companies=self.companies)

    def with_context(self, **values: Any) -> "Env":
        context = dict(self.context, **values)
        companies = None if "allowed_company_ids" in values else self.companies
        return Env(self.cr, self.registry, self.user, context, su=self.su, companies=companies)
