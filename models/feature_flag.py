"""``gateway.feature.flag``: switches a platform sets for its restaurants, and a
restaurant may override for itself.

A flag belongs to one company: a platform (``is_platform``) or a restaurant.
The flags in effect for a restaurant are its platform's, each replaced by the
restaurant's own row of the same key where it has one. A restaurant with no
platform above it has only its own.

Who sees what is the record rule: the active companies' rows and those of
their ancestors (``parent_of``), so a restaurant's staff read their
platform's flags but never another restaurant's, nor another platform's.
Who changes what is checked here, for every path (``set_flag``,
``clear_flag``, and the generic ``create``/``write``/``unlink`` of the Odoo
front): a restaurant's rows by a POS manager working there, a platform's rows
by an owner of that platform only. The rights checked by the record rule alone
would let a restaurant manager write the platform rows they can read.

``value`` is any JSON value (stored as JSON text, at most ``MAX_VALUE_BYTES``),
for flags that carry more than on/off (a percentage, a list of tables).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import orjson

from . import fields as F
from . import security
from .api import public
from .base import BaseModel, check_ids
from .exceptions import AccessError, MissingError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

MODEL = "gateway.feature.flag"
SCOPES = ("restaurant", "platform")
#: Dotted snake case: ``kitchen.auto_print``, ``mobile_ordering``.
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
MAX_KEY_LENGTH = 64
MAX_VALUE_BYTES = 4096

def check_key(key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise ValidationError("Invalid flag key", field_errors={"key": "required"})
    if len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.fullmatch(key):
        raise ValidationError("Invalid flag key", field_errors={
            "key": f"must be lowercase words of a-z, 0-9 and _ joined by dots, starting with a "
                   f"letter, at most {MAX_KEY_LENGTH} characters"})
    return key


def dump_value(value: Any) -> str | None:
    """The JSON text stored for ``value`` (None for null); 422 when too large."""
    if value is None:
        return None
    try:
        text = orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        raise ValidationError("Invalid flag value",
                              field_errors={"value": "must be a JSON value"}) from None
    if len(text.encode()) > MAX_VALUE_BYTES:
        raise ValidationError("Invalid flag value", field_errors={
            "value": f"at most {MAX_VALUE_BYTES} bytes as JSON"})
    return text


def load_value(text: Any) -> Any:
    return orjson.loads(text) if isinstance(text, str) and text else None


class GatewayFeatureFlag(BaseModel):
    _name = MODEL
    _description = "Feature Flag"
    _order = "key, company_id"
    _rec_name = "key"
    _audit = True

    key = F.Char("Key", required=True, help="Dotted snake case, e.g. kitchen.auto_print")
    enabled = F.Boolean("Enabled", default=False)
    value = F.Text("Value (JSON)", help="Optional JSON value carried by the flag.")
    company_id = F.Many2one("res.company", "Company", required=True, ondelete="cascade",
                            help="A platform (its restaurants inherit the flag) or a restaurant "
                                 "(its own override).")

    class Meta:
        indexes = ((("company_id", "key"), True),)

    @classmethod
    def _record_rule(cls, env: "Env") -> list[Any]:
        """The active companies' flags and their platforms' (never a sibling's)."""
        return [("company_id", "parent_of", list(env.companies))]

    # -- who may change a company's flags ------------------------------------------
    @classmethod
    async def _companies(cls, env: "Env", company_ids: list[int]) -> dict[int, tuple[bool, Any]]:
        """id -> (is_platform, parent_id) of the given companies."""
        companies = env.registry["res.company"]
        return {row[0]: (bool(row[1]), row[2]) for row in await env.cr.rows(
            companies.select(companies.id, companies.is_platform, companies.parent_id)
            .where(companies.id.in_(list(set(company_ids)))))}

    @classmethod
    async def _check_manage(cls, env: "Env", company_ids: list[int]) -> None:
        """AccessError unless the caller may change the flags of every one of ``company_ids``."""
        if env.su:
            return
        user = env.user
        assert user is not None
        if user.has_group(security.SYSTEM):
            return
        known = await cls._companies(env, company_ids)
        allowed = set(user.allowed_company_ids)
        for company_id in set(company_ids):
            is_platform, _parent = known.get(company_id, (False, None))
            if company_id not in allowed:
                raise AccessError("You cannot change the feature flags of a company you do not "
                                  "work in.")
            if is_platform and not user.has_group(security.PLATFORM_OWNER):
                raise AccessError("Only the platform owner may change the platform's feature "
                                  "flags.")
            if not is_platform and not user.has_group(security.POS_MANAGER):
                raise AccessError("Only managers of the restaurant may change its feature flags.")

    @classmethod
    async def _record_companies(cls, env: "Env", ids: list[int]) -> list[int]:
        return [row[0] for row in await env.cr.rows(
            cls.select(cls.company_id).where(cls.id.in_(ids)))]

    @classmethod
    def _check_vals(cls, vals: Any) -> None:
        if isinstance(vals, dict):
            if "key" in vals:
                check_key(vals["key"])
            if isinstance(vals.get("value"), str):
                try:
                    orjson.loads(vals["value"])
                except orjson.JSONDecodeError:
                    raise ValidationError("Invalid flag value",
                                          field_errors={"value": "must be JSON text"}) from None
                if len(vals["value"].encode()) > MAX_VALUE_BYTES:
                    raise ValidationError("Invalid flag value", field_errors={
                        "value": f"at most {MAX_VALUE_BYTES} bytes as JSON"})

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        cls._check_vals(vals)
        company_id = vals.get("company_id") if isinstance(vals, dict) else None
        if company_id is None:
            company_id = env.company_id
        if isinstance(company_id, int) and not isinstance(company_id, bool):
            await cls._check_manage(env, [company_id])
        return await super()._create_one(env, vals)

    @public("records")
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        ids = check_ids(ids)
        cls._check_vals(vals)
        visible = await cls._visible_ids(env, ids) if not env.su else ids
        companies = await cls._record_companies(env, visible)
        if isinstance(vals, dict) and isinstance(vals.get("company_id"), int):
            companies.append(vals["company_id"])
        await cls._check_manage(env, companies)
        return await super().write(env, ids, vals)

    @public("records")
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        ids = check_ids(ids)
        visible = await cls._visible_ids(env, ids) if not env.su else ids
        await cls._check_manage(env, await cls._record_companies(env, visible))
        return await super().unlink(env, ids)

    # -- the flags of the current restaurant ---------------------------------------
    @classmethod
    async def _chain(cls, env: "Env") -> tuple[int | None, int | None]:
        """(restaurant, platform) of the current company: either may be None (a platform
        selected: no restaurant; a restaurant without a platform: no platform)."""
        company_id = env.company_id
        if company_id is None:
            return None, None
        own = (await cls._companies(env, [company_id])).get(company_id)
        if own is None:
            return None, None
        is_platform, parent = own
        if is_platform:
            return None, company_id
        if parent:
            above = (await cls._companies(env, [parent])).get(parent)
            if above and above[0]:
                return company_id, parent
        return company_id, None

    @classmethod
    async def _effective(cls, env: "Env", key: str | None = None) -> dict[str, dict[str, Any]]:
        restaurant, platform = await cls._chain(env)
        chain = [c for c in (platform, restaurant) if c is not None]
        if not chain:
            return {}
        domain: list[Any] = [("company_id", "in", chain)]
        if key is not None:
            domain.append(("key", "=", key))
        rows = await env[MODEL].search_read(domain, ["key", "enabled", "value", "company_id"],
                                            order="key, id")
        found: dict[str, dict[str, Any]] = {}
        # platform rows first, so the restaurant's own row of a key replaces it
        for row in sorted(rows, key=lambda r: r["company_id"][0] != platform):
            company_id = row["company_id"][0]
            entry = {"key": row["key"], "enabled": bool(row["enabled"]),
                     "value": load_value(row["value"]),
                     "source": "platform" if company_id == platform else "restaurant",
                     "company_id": company_id}
            overridden = found.get(row["key"])
            if overridden is not None:
                entry["overrides"] = {"enabled": overridden["enabled"],
                                      "value": overridden["value"]}
            found[row["key"]] = entry
        return found

    @public("model", readonly=True)
    async def effective_flags(cls, env: "Env") -> list[dict[str, Any]]:
        """The flags in effect for the current company, each with its ``source``
        (``platform`` or ``restaurant``) and, for a restaurant override, the platform
        setting it ``overrides``."""
        return list((await cls._effective(env)).values())

    @classmethod
    async def _target(cls, env: "Env", scope: Any) -> int:
        if scope not in SCOPES:
            raise ValidationError("Invalid scope", field_errors={
                "scope": f"must be one of {', '.join(SCOPES)}"})
        restaurant, platform = await cls._chain(env)
        target = restaurant if scope == "restaurant" else platform
        if target is None:
            raise ValidationError("Invalid scope", field_errors={"scope": (
                "the current company is a platform, not a restaurant" if scope == "restaurant"
                else "the current restaurant belongs to no platform")})
        await cls._check_manage(env, [target])
        return target

    @public("model")
    async def set_flag(cls, env: "Env", key: Any, enabled: Any, value: Any = None,
                       scope: Any = "restaurant") -> dict[str, Any]:
        """Set ``key`` for the current restaurant (``scope='restaurant'``) or for its
        platform (``'platform'``); answers the flag now in effect."""
        errors: dict[str, str] = {}
        for check in (lambda: check_key(key), lambda: dump_value(value)):
            try:
                check()
            except ValidationError as exc:
                errors.update(exc.field_errors)
        if not isinstance(enabled, bool):
            errors["enabled"] = "must be a boolean"
        if scope not in SCOPES:
            errors["scope"] = f"must be one of {', '.join(SCOPES)}"
        if errors:
            raise ValidationError("Invalid feature flag: " + ", ".join(sorted(errors)),
                                  field_errors=errors)
        target = await cls._target(env, scope)
        vals = {"enabled": enabled, "value": dump_value(value)}
        existing = await env.sudo()[MODEL].search(
            [("company_id", "=", target), ("key", "=", key)], limit=1)
        if existing:
            await env.sudo()[MODEL].write(existing, vals)
        else:
            await env.sudo()[MODEL].create(dict(vals, key=key, company_id=target))
        return (await cls._effective(env, key))[key]

    @public("model")
    async def clear_flag(cls, env: "Env", key: Any,
                         scope: Any = "restaurant") -> dict[str, Any] | None:
        """Remove the current restaurant's (or its platform's) row of ``key``; answers
        what is in effect afterwards (the platform's setting, or None). MissingError
        when there was no such row."""
        check_key(key)
        target = await cls._target(env, scope)
        existing = await env.sudo()[MODEL].search(
            [("company_id", "=", target), ("key", "=", key)], limit=1)
        if not existing:
            raise MissingError(f"No {scope} setting of the feature flag {key!r}")
        await env.sudo()[MODEL].unlink(existing)
        return (await cls._effective(env, key)).get(key)
