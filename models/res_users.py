"""``res.users``, ``res.groups`` and ``res.users.apikeys``: who may log in, and as what.

Passwords and API keys are bcrypt hashes in columns no client can read.
bcrypt is slow by design, so it runs in a worker thread, never on the event
loop; a successful (uid, secret) check is remembered per process until the
user record changes, as Odoo's ``_check_uid_passwd`` ormcache does, so that
XML-RPC scripts sending the password with every call stay fast.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
import zoneinfo
from typing import TYPE_CHECKING, Any

import bcrypt
import orjson
import peewee

from . import access_version, bus, security
from . import fields as F
from .api import public
from .base import MAX_ID, BaseModel, check_ids, normalize_commands, now_utc
from .env import UserInfo
from .exceptions import AccessDenied, ValidationError
from .http_session import HttpSession
from .login_throttle import LoginThrottle
from .platform import CompanySwitch

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

DEFAULT_BCRYPT_ROUNDS = 12
#: The languages the gateway serves (what ``get_lang_list``/``list_lang`` answer Odoo clients).
LANGUAGES: dict[str, str] = {"en_US": "English (US)"}
#: Notification settings a user may choose, with their defaults.
NOTIFICATIONS: dict[str, bool] = {"order_ready": True, "low_stock": True,
                                  "new_reservation": True, "daily_report": False}
#: The faces a session opens or ends through, as ``user_login``/``user_logout`` name them:
#: the Odoo web session (cookie), the REST API's tokens, a staff PIN on a shared device.
SESSION_FACES = ("web", "api", "pin")


@functools.cache
def timezones() -> frozenset[str]:
    """IANA names as zoneinfo knows them (a directory walk: once per process)."""
    return frozenset(zoneinfo.available_timezones())


#: Compared against when the login is unknown, so both cases cost the same.
_DUMMY_HASH = bcrypt.hashpw(b"dummy", bcrypt.gensalt(4))


def _rounds(env: "Env") -> int:
    return int(env.registry.options.get("bcrypt_rounds", DEFAULT_BCRYPT_ROUNDS))


def _secret_bytes(secret: str, field: str = "password") -> bytes:
    data = secret.encode("utf-8")
    if len(data) > 72:
        raise ValidationError("Passwords are limited to 72 bytes.",
                              field_errors={field: "at most 72 bytes"})
    return data


async def hash_secret(env: "Env", secret: Any, field: str = "password") -> str:
    if not isinstance(secret, str) or not secret:
        raise ValidationError("A password cannot be empty.", field_errors={field: "required"})
    data = _secret_bytes(secret, field)
    loop = asyncio.get_running_loop()
    hashed = await loop.run_in_executor(None, functools.partial(
        bcrypt.hashpw, data, bcrypt.gensalt(_rounds(env))))
    return hashed.decode("ascii")


async def verify_secret(secret: str, hashed: str | None) -> bool:
    try:
        data = secret.encode("utf-8")
    except (AttributeError, UnicodeError):
        return False
    if len(data) > 72 or not data:
        data = b"\0"   # cannot match; still spend the time
    target = hashed.encode("ascii") if hashed else _DUMMY_HASH
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(None, bcrypt.checkpw, data, target)
    return ok and hashed is not None


class ResGroups(BaseModel):
    _name = "res.groups"
    _affects_access = True
    _description = "Access Groups"
    _order = "name"

    name = F.Char("Name", required=True)
    category_name = F.Char("Application")
    comment = F.Text("Comment")
    users = F.Many2many("res.users", "res_groups_users_rel", "gid", "uid", "Users")
    implied_ids = F.Many2many("res.groups", "res_groups_implied_rel", "gid", "hid", "Inherits")


class ResUsers(CompanySwitch, BaseModel):
    _name = "res.users"
    _affects_access = True
    _audit = True
    _description = "User"
    _order = "name, login"
    _private_fields = ("password_hash",)

    login = F.Char("Login", required=True, unique=True, help="Used to log into the system")
    password_hash = F.Char("Password hash", copy=False)
    name = F.Char("Name", required=True)
    partner_id = F.Many2one("res.partner", "Related Partner", required=True, ondelete="restrict")
    email = F.Char("Email")
    groups_id = F.Many2many("res.groups", "res_groups_users_rel", "uid", "gid", "Groups")
    company_id = F.Many2one("res.company", "Company", required=True,
                            default=lambda env: env.company_id,
                            help="The default company for this user.")
    company_ids = F.Many2many("res.company", "res_company_users_rel", "user_id", "cid",
                              "Companies", default=lambda env: [env.company_id] if env.company_id else [])
    lang = F.Char("Language", default="en_US")
    tz = F.Char("Timezone")
    active = F.Boolean("Active", default=True)
    share = F.Boolean("Share User", default=False, readonly=True,
                      help="External user with limited access")
    login_date = F.Datetime("Latest authentication", readonly=True)
    notification_settings = F.Text(
        "Notification Settings", readonly=True,
        help="JSON object of the notifications the user chose (set_preferences).")

    @classmethod
    def _record_rule(cls, env: "Env") -> list[Any]:
        return ["|", ("id", "=", env.uid), ("company_ids", "in", list(env.companies))]

    # -- preferences (the caller's own, never another user's) ------------------------
    @classmethod
    def _notifications(cls, text: Any) -> dict[str, bool]:
        """The stored settings over the defaults (a setting added later gets its default)."""
        try:
            stored = orjson.loads(text) if isinstance(text, str) and text else {}
        except orjson.JSONDecodeError:
            stored = {}
        return {name: bool(stored.get(name, default)) if isinstance(stored, dict) else default
                for name, default in NOTIFICATIONS.items()}

    @public("model", readonly=True)
    async def get_preferences(cls, env: "Env") -> dict[str, Any]:
        """The caller's language, timezone and notification settings."""
        if env.user is None:
            raise ValueError("Preferences belong to a user")
        row = await env.cr.first(cls.select(cls.lang, cls.tz, cls.notification_settings)
                                 .where(cls.id == env.uid))
        if row is None:
            raise ValueError("Preferences belong to a user")
        return {"lang": row[0] or "en_US", "tz": row[1] or None,
                "notifications": cls._notifications(row[2])}

    @public("model")
    async def set_preferences(cls, env: "Env", vals: Any) -> dict[str, Any]:
        """Change the caller's preferences: ``lang`` (a language served here), ``tz``
        (an IANA name), ``notifications`` (some of ``NOTIFICATIONS``, booleans).
        A ValidationError names every bad field (``notifications.<name>`` for one setting)."""
        if env.user is None:
            raise ValueError("Preferences belong to a user")
        if not isinstance(vals, dict):
            raise ValidationError("Preferences must be an object",
                                  field_errors={"body": "must be an object"})
        errors: dict[str, str] = {}
        for name in vals:
            if name not in ("lang", "tz", "notifications"):
                errors[str(name)] = "unknown field"
        if not vals:
            errors["body"] = "no field given"
        write: dict[str, Any] = {}
        if "lang" in vals:
            if not isinstance(vals["lang"], str) or vals["lang"] not in LANGUAGES:
                errors["lang"] = f"must be one of {', '.join(sorted(LANGUAGES))}"
            else:
                write["lang"] = vals["lang"]
        if "tz" in vals:
            tz = vals["tz"]
            if not isinstance(tz, str) or tz not in timezones():
                errors["tz"] = "must be an IANA time zone name, e.g. Europe/Brussels"
            else:
                write["tz"] = tz
        if "notifications" in vals:
            wanted = vals["notifications"]
            if not isinstance(wanted, dict):
                errors["notifications"] = "must be an object of booleans"
            else:
                for name, value in wanted.items():
                    if name not in NOTIFICATIONS:
                        errors[f"notifications.{name}"] = (
                            f"unknown setting (known: {', '.join(NOTIFICATIONS)})")
                    elif not isinstance(value, bool):
                        errors[f"notifications.{name}"] = "must be a boolean"
        if errors:
            raise ValidationError("Invalid preferences: " + ", ".join(sorted(errors)),
                                  field_errors=errors)
        if "notifications" in vals:
            row = await env.cr.first(cls.select(cls.notification_settings)
                                     .where(cls.id == env.uid))
            current = cls._notifications(row[0] if row else None)
            current.update(vals["notifications"])
            write["notification_settings"] = orjson.dumps(current).decode()
        await env.sudo()["res.users"].write([env.uid], write)
        return await cls.get_preferences(env)

    # -- writes ------------------------------------------------------------
    @classmethod
    async def _pop_password(cls, env: "Env", vals: Any) -> tuple[Any, str | None]:
        if isinstance(vals, dict) and "password" in vals:
            vals = dict(vals)
            secret = vals.pop("password")
            return vals, await hash_secret(env, secret)
        return vals, None

    @public("create", name="create")
    async def create_records(cls, env: "Env", vals_list: Any) -> Any:
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else vals_list
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"Invalid values {vals_list!r}: expected a dictionary or a list")
        security.check_access(env, cls, security.CREATE)
        ids = []
        for vals in items:
            vals, hashed = await cls._pop_password(env, vals)
            if not isinstance(vals, dict):
                raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
            vals = dict(vals)
            await cls._check_manageable(env, [], vals)
            if not vals.get("partner_id"):
                partner = {"name": vals.get("name") or vals.get("login"),
                           "email": vals.get("email") or False,
                           "company_id": vals.get("company_id") or env.company_id}
                vals["partner_id"] = await env.sudo()["res.partner"].create(partner)
            if not vals.get("name"):
                vals["name"] = vals.get("login")
            new_id = await cls._create_one(env, vals)
            if hashed:
                await env.cr.run(cls.update({cls.password_hash: hashed}).where(cls.id == new_id))
            ids.append(new_id)
        return ids[0] if single else ids

    @public("records")
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        ids = check_ids(ids)
        is_self = ids == [env.uid] and isinstance(vals, dict) and set(vals) <= {
            "password", "lang", "tz"}
        vals, hashed = await cls._pop_password(env, vals)
        target_env = env.sudo() if is_self else env
        await cls._check_manageable(target_env, ids, vals)
        if vals or not hashed:
            await super().write(target_env, ids, vals)
        else:
            security.check_access(target_env, cls, security.WRITE)
            await cls._ensure_visible(target_env, ids)
        if hashed:
            await env.cr.run(cls.update({cls.password_hash: hashed,
                                         cls.write_date: now_utc()})
                             .where(cls.id.in_(ids)))
            await access_version.bump(env.cr)
        if hashed or (isinstance(vals, dict) and vals.get("active") is False):
            await cls._drop_sessions(env, ids)
        if isinstance(vals, dict) and "name" in vals:
            partners = [row[0] for row in await env.cr.rows(
                cls.select(cls.partner_id).where(cls.id.in_(ids)))]
            await env.sudo()["res.partner"].write(partners, {"name": vals["name"]})
        return True

    @classmethod
    async def _check_manageable(cls, env: "Env", ids: list[int], vals: Any) -> None:
        """``security.check_user_management`` for a create (no ids) or a write."""
        if env.su or env.user is None or env.user.has_group(security.ERP_MANAGER):
            return
        security.check_access(env, cls, security.WRITE if ids else security.CREATE)
        targets = [await cls._user_info(env, uid) for uid in await cls._ensure_visible(env, ids)]
        granted: list[int] = []
        commands = vals.get("groups_id") if isinstance(vals, dict) else None
        if commands not in (None, False):
            for command in normalize_commands(cls._fields["groups_id"], commands):
                if command[0] == 4:
                    granted.append(command[1])
                elif command[0] == 6:
                    granted.extend(command[2] or [])
                elif command[0] in (0, 1):
                    granted.append(0)       # a group made or changed on the way: never
        xmlids: dict[int, str] = {}
        if granted:
            from .ir_model import IrModelData
            xmlids = {row[0]: f"{row[1]}.{row[2]}" for row in await env.cr.rows(
                IrModelData.select(IrModelData.res_id, IrModelData.module, IrModelData.name)
                .where((IrModelData.model == "res.groups") & IrModelData.res_id.in_(granted)))}
        security.check_user_management(
            env, targets, frozenset(xmlids.get(gid, f"res.groups({gid})") for gid in granted))

    @classmethod
    async def _drop_sessions(cls, env: "Env", ids: list[int]) -> None:
        """A new password or a deactivation ends every session of the user (Odoo's session token),
        the REST API's refresh tokens and, through them, its access tokens."""
        await env.cr.run(HttpSession.delete().where(HttpSession.uid.in_(ids)))
        from .auth_token import ResUsersAuthToken
        await ResUsersAuthToken._revoke(env, ids)

    # -- sessions on the bus --------------------------------------------------
    @classmethod
    async def _notify_session(cls, env: "Env", uid: int, event: str, via: str) -> None:
        """``user_login`` / ``user_logout`` for the managers of each of the user's own
        restaurants (``company_ids``: not every restaurant a platform owner may see).

        Every face that opens or ends a session calls this in the unit that writes the
        session's own rows (``http_session``, refresh tokens), so the event exists if
        and only if the login or logout did. A login also stamps ``login_date``
        (Odoo's "Latest authentication"). ``via``: the face (:data:`SESSION_FACES`).
        """
        if event not in ("user_login", "user_logout") or via not in SESSION_FACES:
            raise ValueError(f"Unknown session event {event!r} via {via!r}")
        user = await cls._user_info(env, uid)
        if user is None:
            return
        if event == "user_login":
            await env.cr.run(cls.update({cls.login_date: now_utc()}).where(cls.id == uid))
        payload = {"user_id": user.id, "name": user.name, "login": user.login, "via": via}
        for company_id in user.company_ids:
            await bus.send_restaurant(env, company_id, event, payload)

    # -- context -------------------------------------------------------------
    @public("model", readonly=True)
    async def context_get(cls, env: "Env") -> dict[str, Any]:
        user = env.user
        if user is None:
            return {"lang": "en_US", "tz": False, "uid": env.uid}
        return {"lang": user.lang or "en_US", "tz": user.tz or False, "uid": user.id}

    # -- authentication ------------------------------------------------------
    @classmethod
    async def _authenticate(cls, env: "Env", login: Any, password: Any,
                            allow_apikey: bool = True, ip: str | None = None) -> int:
        """The uid for a login and password (or API key); AccessDenied otherwise.

        Every login face comes here, so the login cooldown lives here
        (``models/login_throttle.py``, the registry's ``login_throttle``):
        ``ip`` is the client address, counted too when given. During a
        cooldown the password is not even checked (LoginCooldown).
        """
        if not isinstance(login, str) or not isinstance(password, str) or not login or not password:
            raise AccessDenied()
        throttle: LoginThrottle | None = env.registry.options.get("login_throttle")
        if throttle is None or not throttle.enabled:
            return await cls._check_login(env, login, password, allow_apikey)
        stamp = throttle.begin(login, ip)
        uid = await cls._check_login(env, login, password, allow_apikey)
        throttle.succeeded(login, ip, stamp)
        return uid

    @classmethod
    async def _check_login(cls, env: "Env", login: str, password: str,
                           allow_apikey: bool) -> int:
        row = await env.cr.first((
            cls.select(cls.id, cls.password_hash).where((cls.login == login) & (cls.active == True))))  # noqa: E712
        uid, hashed = (row[0], row[1]) if row else (None, None)
        if await verify_secret(password, hashed):
            return uid  # type: ignore[return-value]
        if uid is not None and allow_apikey and await ResUsersApikeys._check(env, uid, password):
            return uid
        raise AccessDenied()

    @classmethod
    async def _login_for_email(cls, env: "Env", email: str) -> str:
        """The login of the one active user with this email; else the email itself (then
        ``_authenticate`` fails as for any unknown login, in the same time)."""
        rows = await env.cr.rows(cls.select(cls.login).where(
            (peewee.fn.LOWER(cls.email) == email.strip().lower()) & (cls.active == True))  # noqa: E712
            .limit(2))
        return rows[0][0] if len(rows) == 1 else email

    @classmethod
    async def _check_uid_password(cls, env: "Env", uid: Any, password: Any) -> None:
        """``object`` service credentials: (uid, password or API key), cached per access version."""
        if isinstance(uid, bool) or not isinstance(uid, int) or not isinstance(password, str) or not password:
            raise AccessDenied()
        if not 0 < uid <= MAX_ID:   # no such user (and not for the driver: ids are int4)
            raise AccessDenied()
        rows = await env.cr.static_rows("res.users.credentials", lambda: cls.select(
            cls.password_hash, access_version.CURRENT).where(
                (cls.id == 0) & (cls.active == True)), [uid, True])  # noqa: E712
        row = rows[0] if rows else None
        if row is None:
            await verify_secret(password, None)
            raise AccessDenied()
        hashed, version = row
        cache: dict[Any, bool] = env.registry.options.setdefault("auth_cache", {})
        key = (uid, hashlib.sha256(password.encode("utf-8", "replace")).hexdigest(), version)
        if cache.get(key):
            return
        if await verify_secret(password, hashed) or await ResUsersApikeys._check(env, uid, password):
            if len(cache) > 10_000:
                cache.clear()
            cache[key] = True
            return
        raise AccessDenied()

    @classmethod
    async def _user_info(cls, env: "Env", uid: int, version: Any = None) -> UserInfo | None:
        """Everything access checks need about ``uid``, cached per access version.

        ``version`` is the access version when the caller already read it (with
        the session); a cached entry of that version is then used as is.
        """
        cache: dict[Any, UserInfo] = env.registry.options.setdefault("user_cache", {})
        if version is not None:
            cached = cache.get((uid, version))
            if cached is not None:
                return cached
        rows = await env.cr.static_rows("res.users.info", lambda: cls.select(
            cls.id, cls.login, cls.name, cls.partner_id, cls.company_id, cls.lang, cls.tz,
            cls.active, cls.share, access_version.CURRENT).where(cls.id == 0), [uid])
        row = rows[0] if rows else None
        if row is None or not row[7]:
            return None
        key = (uid, row[9])
        info = cache.get(key)
        if info is not None:
            return info
        rel = peewee.Table("res_company_users_rel", ("cid", "user_id"))
        company_ids = [r[0] for r in await env.cr.rows(
            rel.select(rel.cid).where(rel.user_id == uid).order_by(rel.cid))]
        if row[4] not in company_ids:
            company_ids.insert(0, row[4])
        from .ir_model import IrModelData
        groups_rel = peewee.Table("res_groups_users_rel", ("gid", "uid"))
        xmlids = await env.cr.rows(
            IrModelData.select(IrModelData.module, IrModelData.name)
            .join(groups_rel, on=(groups_rel.gid == IrModelData.res_id))
            .where((IrModelData.model == "res.groups") & (groups_rel.uid == uid)))
        groups = security.implied_closure(frozenset(f"{m}.{n}" for m, n in xmlids))
        extra: tuple[int, ...] = ()
        if security.PLATFORM_OWNER in groups:
            from .res_company import ResCompany
            from .domain.compile import recursive_ids
            tree = recursive_ids(ResCompany, ResCompany._fields["parent_id"], company_ids, False)
            extra = tuple(r[0] for r in await env.cr.rows(
                ResCompany.select(ResCompany.id).where(ResCompany.id.in_(tree))
                .order_by(ResCompany.id)) if r[0] not in company_ids)
        info = UserInfo(id=row[0], login=row[1], name=row[2], partner_id=row[3],
                        company_id=row[4], company_ids=tuple(company_ids), groups=groups,
                        lang=row[5] or "en_US", tz=row[6], active=bool(row[7]),
                        share=bool(row[8]), extra_company_ids=extra)
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = info
        return info


class ResUsersApikeys(BaseModel):
    """API keys: a password substitute for scripts (never for interactive login)."""

    _name = "res.users.apikeys"
    _affects_access = True
    _description = "Users API Keys"
    _order = "id"
    _private_fields = ("key",)

    name = F.Char("Description", required=True, readonly=True)
    user_id = F.Many2one("res.users", "User", required=True, readonly=True, ondelete="cascade")
    index = F.Char("Index", size=8, readonly=True, index=True)
    key = F.Char("Key hash", readonly=True)
    scope = F.Char("Scope", readonly=True)

    @classmethod
    async def _generate(cls, env: "Env", user_id: int, name: str, scope: str | None = None) -> str:
        """Create a key for ``user_id``; the clear key is shown once and never stored."""
        key = secrets.token_hex(20)
        hashed = await hash_secret(env, key, field="key")
        await env.cr.insert(cls.insert({
            cls.name: name, cls.user_id: user_id, cls.index: key[:8], cls.key: hashed,
            cls.scope: scope, cls.create_uid: env.uid, cls.write_uid: env.uid,
            cls.create_date: now_utc(), cls.write_date: now_utc()}).returning(cls.id))
        await access_version.bump(env.cr)
        return key

    @classmethod
    async def _check(cls, env: "Env", uid: int, key: str) -> bool:
        if len(key) != 40:
            return False
        rows = await env.cr.rows(cls.select(cls.key).where(
            (cls.user_id == uid) & (cls.index == key[:8])))
        for (hashed,) in rows:
            if await verify_secret(key, hashed):
                return True
        return False

    @classmethod
    async def _uid_for_key(cls, env: "Env", key: Any) -> int | None:
        """The active user owning ``key`` (bearer tokens of the JSON-2 API)."""
        if not isinstance(key, str) or len(key) != 40:
            return None
        rows = await env.cr.rows(
            cls.select(cls.user_id, cls.key).join(ResUsers, on=(ResUsers.id == cls.user_id))
            .where((cls.index == key[:8]) & (ResUsers.active == True)))  # noqa: E712
        for uid, hashed in rows:
            if await verify_secret(key, hashed):
                return uid
        return None

