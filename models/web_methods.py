"""The web client's read methods: ``web_search_read`` (16 and 17) and ``web_read`` (17).

Odoo 16's web client sends ``web_search_read(domain, fields, ...)`` and
gets ``search_read`` rows; Odoo 17's sends ``web_search_read(domain,
specification, ...)`` and gets ``web_read`` rows, where the specification
says, per field, how deep to read relations. One method serves both,
told apart as Odoo's two versions are: a specification is a dict, a field
list is a list (``addons/web/models/models.py``).

Everything goes through ``search``/``search_read``/``read``, so access
rights, record rules and ``active_test`` apply exactly as they do there;
display names of many2one values are read as superuser, as Odoo 17 does
(``co_records.sudo().display_name``), so a link to a record the caller may
not open still shows its name.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fields as F
from .api import public

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


def _specification(spec: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(spec, dict):
        raise ValueError(f"Invalid specification {spec!r}: expected a dictionary")
    for name, sub in spec.items():
        if not isinstance(name, str) or not isinstance(sub, dict):
            raise ValueError(f"Invalid specification for field {name!r}: expected a dictionary")
        if "fields" in sub and not isinstance(sub["fields"], dict):
            raise ValueError(f"Invalid specification for field {name!r}: 'fields' must be a "
                             "dictionary")
        if "context" in sub and not isinstance(sub["context"], dict):
            raise ValueError(f"Invalid specification for field {name!r}: 'context' must be a "
                             "dictionary")
        limit = sub.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 0):
            raise ValueError(f"Invalid limit {limit!r} for field {name!r}")
    return spec


def _sub_env(env: "Env", sub: dict[str, Any]) -> "Env":
    return env.with_context(**sub["context"]) if sub.get("context") else env


class WebMethodsMixin:
    """``web_search_read`` and ``web_read`` for every model (mixed into ``BaseModel``)."""

    @public("model", readonly=True)
    async def web_search_read(cls, env: "Env", domain: Any = None, specification: Any = None,
                              offset: Any = 0, limit: Any = None, order: Any = None,
                              count_limit: Any = None, fields: Any = None) -> dict[str, Any]:
        if fields is not None:
            if specification is not None:
                raise TypeError("web_search_read() got multiple values for argument 'fields'")
            specification = fields
        domain = domain or []
        if isinstance(specification, dict):        # 17: search, then web_read
            ids = await cls.search(env, domain, offset, limit, order)
            records = await cls.web_read(env, ids, specification)
        else:                                      # 16: search_read
            records = await cls.search_read(env, domain, specification or None, offset, limit,
                                            order)
        return await cls._web_search_read_result(env, domain, records, offset, limit,
                                                 count_limit)

    @classmethod
    async def _web_search_read_result(cls, env: "Env", domain: Any, records: list[Any],
                                      offset: Any, limit: Any, count_limit: Any) -> dict[str, Any]:
        """Odoo's ``length``: counted only when the page is full (or when told to)."""
        if not records:
            return {"length": 0, "records": []}
        current = len(records) + (offset or 0)
        count_limit_reached = bool(count_limit) and count_limit <= current
        if limit and ((len(records) == limit and not count_limit_reached)
                      or env.context.get("force_search_count")):
            length = await cls.search_count(env, domain, limit=count_limit or None)
        else:
            length = current
        return {"length": length, "records": records}

    @public("records", readonly=True)
    async def web_read(cls, env: "Env", ids: Any, specification: Any) -> list[dict[str, Any]]:
        from .base import check_ids   # base imports this module

        ids = check_ids(ids)
        spec = _specification(specification)
        names = list(spec) or ["id"]
        if names == ["id"]:   # as Odoo: the ids are known, nothing to read
            return [{"id": record_id} for record_id in dict.fromkeys(ids)]
        values_list = await cls.read(env, ids, names, load=None)
        if not values_list:
            return values_list
        for name, sub in spec.items():
            field = cls._fields[name]
            if isinstance(field, F.Many2oneColumn) and "fields" in sub:
                await cls._web_read_many2one(env, field, sub, values_list)
            elif isinstance(field, (F.One2many, F.Many2many)) and sub:
                await cls._web_read_x2many(env, field, sub, values_list)
        return values_list

    @classmethod
    async def _web_read_many2one(cls, env: "Env", field: Any, sub: dict[str, Any],
                                 values_list: list[dict[str, Any]]) -> None:
        name = field.odoo_name
        comodel = env.registry[field.comodel_name]
        co_env = _sub_env(env, sub)
        co_ids = list(dict.fromkeys(v[name] for v in values_list if v[name] is not False))
        extra = {k: v for k, v in sub["fields"].items() if k != "display_name"}
        # only the display name asked: nothing to read as the caller (a link to a record
        # the caller may not open still shows its name); anything more is read() as usual
        data = {vals["id"]: vals for vals in await comodel.web_read(co_env, co_ids, extra)} \
            if extra else {}
        if "display_name" in sub["fields"]:
            for record in await comodel.read(co_env.sudo(), co_ids, ["display_name"]):
                data.setdefault(record["id"], {"id": record["id"]})["display_name"] = \
                    record["display_name"]
        for values in values_list:
            if values[name] is False:
                continue
            vals = data.get(values[name]) or {"id": values[name]}
            values[name] = vals["id"] if sub["fields"] == {} else vals

    @classmethod
    async def _web_read_x2many(cls, env: "Env", field: Any, sub: dict[str, Any],
                               values_list: list[dict[str, Any]]) -> None:
        name = field.odoo_name
        comodel = env.registry[field.comodel_name]
        if sub.get("order"):
            co_ids = list(dict.fromkeys(i for v in values_list for i in v[name]))
            ordered = await comodel.search(env, [("id", "in", co_ids)], order=sub["order"])
            position = {record_id: index for index, record_id in enumerate(ordered)}
            for values in values_list:
                values[name] = sorted((i for i in values[name] if i in position),
                                      key=position.__getitem__)
        if "fields" not in sub:
            return
        limit = sub.get("limit")
        wanted = list(dict.fromkeys(
            i for v in values_list for i in (v[name] if limit is None else v[name][:limit])))
        data = {vals["id"]: vals
                for vals in await comodel.web_read(_sub_env(env, sub), wanted, sub["fields"])}
        for values in values_list:
            values[name] = [data.get(i) or {"id": i} for i in values[name]]
