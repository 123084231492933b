"""``ir.model`` and ``ir.model.data``: what OdooRPC asks before using a model,
and the external ids (``base.group_user``) that name records across databases."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fields as F
from .api import public
from .base import BaseModel, now_utc

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


class IrModel(BaseModel):
    _name = "ir.model"
    _description = "Models"
    _order = "model"

    name = F.Char("Model Description", required=True)
    model = F.Char("Model", required=True, unique=True)
    info = F.Text("Information")
    transient = F.Boolean("Transient Model", default=False)

    @classmethod
    async def _sync(cls, env: "Env") -> None:
        """One row per registered model (run after migrations)."""
        existing = {row[0] for row in await env.cr.rows(cls.select(cls.model))}
        stamp = now_utc()
        for name in sorted(env.registry.models):
            if name in existing:
                continue
            model = env.registry[name]
            await env.cr.insert(cls.insert({
                cls.name: model._description or name, cls.model: name,
                cls.info: (model.__doc__ or "").strip() or None, cls.transient: False,
                cls.create_uid: env.uid, cls.write_uid: env.uid,
                cls.create_date: stamp, cls.write_date: stamp}).returning(cls.id))


class IrModelData(BaseModel):
    _name = "ir.model.data"
    _description = "Model Data"
    _order = "module, model, name"
    _display_name_depends = ("module", "name")

    name = F.Char("External Identifier", required=True)
    module = F.Char("Module", required=True)
    model = F.Char("Model Name", required=True)
    res_id = F.Integer("Record ID")
    noupdate = F.Boolean("Non Updatable", default=False)

    class Meta:
        indexes = ((("module", "name"), True),)

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        return f"{values.get('module')}.{values.get('name')}"

    @classmethod
    async def _lookup(cls, env: "Env", xmlid: str) -> tuple[str, int] | None:
        if not isinstance(xmlid, str) or xmlid.count(".") != 1:
            raise ValueError(f"Invalid external id {xmlid!r}: expected 'module.name'")
        module, name = xmlid.split(".")
        row = await env.cr.first(cls.select(cls.model, cls.res_id).where(
            (cls.module == module) & (cls.name == name)))
        return (row[0], row[1]) if row else None

    @classmethod
    async def _xmlid_to_res_id(cls, env: "Env", xmlid: str) -> int | None:
        found = await cls._lookup(env, xmlid)
        return found[1] if found else None

    @classmethod
    async def _set_xmlid(cls, env: "Env", xmlid: str, model: str, res_id: int) -> None:
        module, name = xmlid.split(".")
        stamp = now_utc()
        await env.cr.insert(cls.insert({
            cls.module: module, cls.name: name, cls.model: model, cls.res_id: res_id,
            cls.noupdate: True, cls.create_uid: env.uid, cls.write_uid: env.uid,
            cls.create_date: stamp, cls.write_date: stamp}).returning(cls.id))

    @public("model", readonly=True)
    async def check_object_reference(cls, env: "Env", module: str, xml_id: str,
                                     raise_on_access_error: bool = False) -> list[Any]:
        found = await cls._lookup(env, f"{module}.{xml_id}")
        if not found:
            raise ValueError(f"External ID not found in the system: {module}.{xml_id}")
        model, res_id = found
        if raise_on_access_error:
            await env[model].read([res_id], ["id"])
        return [model, res_id]

    @public("model", readonly=True)
    async def xmlid_to_res_model_res_id(cls, env: "Env", xmlid: str,
                                        raise_if_not_found: bool = False) -> list[Any]:
        found = await cls._lookup(env, xmlid)
        if not found:
            if raise_if_not_found:
                raise ValueError(f"External ID not found in the system: {xmlid}")
            return [False, False]
        return list(found)
