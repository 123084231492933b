"""``res.users.pos.pin``: a staff member's PIN for a shared POS device.

A restaurant's tablet stays logged in as one account; a waiter picks their
name on it and types a short PIN, as in Odoo's POS (``pos_hr``: select the
cashier, then the PIN). Odoo checks that PIN in the browser, against a hash
it sent there; here the server checks it, and only for staff of the
restaurant the device works in, so a stolen tablet cannot reach another
restaurant's staff. A PIN is 4 to 8 digits, so it is weak on its own: it is
bcrypt-hashed like a password and goes through the same login cooldown as
passwords (``models/login_throttle.py``), keyed by the staff member.

Kept in a table of its own, readable by no one over RPC (no model rights):
the hash never travels, and res.users stays Odoo's shape.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import fields as F
from . import security
from .base import BaseModel
from .exceptions import AccessDenied, AccessError, ValidationError
from .login_throttle import LoginThrottle
from .res_users import hash_secret, verify_secret

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env, UserInfo

PIN_PATTERN = re.compile(r"[0-9]{4,8}")


def _throttle_key(uid: int) -> str:
    return f"pin:{uid}"


class ResUsersPosPin(BaseModel):
    _name = "res.users.pos.pin"
    _description = "POS Staff PIN"
    _order = "id"
    _private_fields = ("pin_hash",)

    # one PIN per user: the upsert's conflict target
    user_id = F.Many2one("res.users", "User", required=True, readonly=True, ondelete="cascade",
                         unique=True)
    pin_hash = F.Char("PIN hash", required=True, readonly=True)

    @classmethod
    async def _set_pin(cls, env: "Env", uid: int, pin: Any) -> None:
        """The user themself, or a POS manager of a restaurant the user works in."""
        if not isinstance(pin, str) or not PIN_PATTERN.fullmatch(pin):
            raise ValidationError("A PIN is 4 to 8 digits.", field_errors={"pin": "4 to 8 digits"})
        caller = env.user
        if not env.su and caller is not None and caller.id != uid:
            target = await env.registry["res.users"]._user_info(env.sudo(), uid)
            if (target is None or not caller.has_group(security.POS_MANAGER)
                    or not set(target.company_ids) & set(caller.allowed_company_ids)):
                raise AccessError("Only the user or a manager of their restaurant can set a PIN.")
        hashed = await hash_secret(env, pin, field="pin")
        await env.cr.run(cls.insert(user_id=uid, pin_hash=hashed).on_conflict(
            conflict_target=[cls.user_id], update={cls.pin_hash: hashed}))

    @classmethod
    async def _staff(cls, env: "Env", device: "UserInfo") -> list[dict[str, Any]]:
        """Who can take over this device: active users of its current restaurant."""
        users = await env.sudo()["res.users"].search_read(
            [("company_ids", "in", [device.company_id]), ("share", "=", False)],
            ["name", "login"], order="name")
        with_pin = {row[0] for row in await env.cr.rows(cls.select(cls.user_id).where(
            cls.user_id.in_([u["id"] for u in users] or [0])))}
        return [{"id": u["id"], "name": u["name"], "has_pin": u["id"] in with_pin}
                for u in users]

    @classmethod
    async def _authenticate_pin(cls, env: "Env", device: "UserInfo", uid: Any, pin: Any,
                                ip: str | None = None) -> int:
        """The staff member's uid, or AccessDenied (the same for every failure)."""
        if (isinstance(uid, bool) or not isinstance(uid, int) or not 0 < uid < 2 ** 31
                or not isinstance(pin, str)):
            raise AccessDenied()
        throttle: LoginThrottle | None = env.registry.options.get("login_throttle")
        stamp = throttle.begin(_throttle_key(uid), ip) if throttle and throttle.enabled else None
        row = await env.cr.first(cls.select(cls.pin_hash).where(cls.user_id == uid))
        matches = await verify_secret(pin, row[0] if row else None)
        staff = await env.registry["res.users"]._user_info(env.sudo(), uid) if matches else None
        if staff is None or not staff.active or device.company_id not in staff.company_ids:
            raise AccessDenied()
        if stamp is not None:
            throttle.succeeded(_throttle_key(uid), ip, stamp)   # type: ignore[union-attr]
        return uid
