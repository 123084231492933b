"""The external RPC services ``common``, ``db`` and ``object``
(``odoo/service/{common,db,model}.py``), shared by ``/jsonrpc`` and XML-RPC.

``common.login``/``authenticate`` answer ``False`` for bad credentials and
never raise; ``object`` checks (db, uid, password or API key) before every
call and raises AccessDenied; ``db`` only answers what needs no master
password, and refuses database management, which this server does not do
through RPC (``gateway db init|migrate`` does it).
"""
from __future__ import annotations

import hmac
from typing import Any

from compat.version import version
from models.db import Cursor
from models.exceptions import AccessDenied, UserError

from .dispatch import call_kw
from .service import RpcService


async def _common(service: RpcService, host: str, method: str, params: list[Any],
                  ip: str | None = None) -> Any:
    if method == "version":
        return version(service.settings.server_version)
    if method == "about":
        extended = params[0] if params else False
        text = "See http://openerp.com"
        return [text, service.settings.server_version] if extended else text
    if method in ("login", "authenticate"):
        if len(params) < 3:
            raise TypeError(f"exp_{method}() missing required positional arguments: "
                            "'db', 'login' and 'password'")
        db, login, password = params[:3]
        service.check_db(db, host)
        try:
            return await service.authenticate(login, password, interactive=False, ip=ip)
        except AccessDenied:   # a login cooldown too: False, as Odoo's exp_authenticate
            return False
    if method == "set_loglevel":
        return True
    raise Exception(f"Method not found: {method}")


def _check_super(service: RpcService, password: Any) -> None:
    expected = service.settings.admin_passwd
    if not isinstance(password, str) or not expected or not hmac.compare_digest(
            password.encode(), expected.encode()):
        raise AccessDenied()


DB_MANAGEMENT = ("create_database", "duplicate_database", "drop", "dump", "restore", "rename",
                 "change_admin_password", "migrate_databases", "list_countries")


async def _db(service: RpcService, host: str, method: str, params: list[Any]) -> Any:
    if method == "list":
        if not service.settings.list_db:
            raise AccessDenied()
        return service.visible_databases(host)
    if method == "server_version":
        return service.settings.server_version
    if method == "db_exist":
        return bool(params) and params[0] in service.visible_databases(host)
    if method == "list_lang":
        return [["en_US", "English (US)"]]
    if method in DB_MANAGEMENT:
        _check_super(service, params[0] if params else None)
        raise UserError(f"Database management ({method}) is not available through RPC on this "
                        "server; use the 'gateway db' command on the server instead.")
    raise KeyError(f"Method not found: {method}")


async def _object(service: RpcService, host: str, method: str, params: list[Any]) -> Any:
    if method not in ("execute", "execute_kw"):
        raise NameError(f"Method not available {method}")
    if len(params) < 5:
        raise TypeError(f"{method}() missing required arguments: db, uid, password, model, method")
    db, uid, password, model, model_method = params[:5]
    service.check_db(db, host)

    async def credentials(cr: Cursor) -> None:
        await service.check_credentials(cr, uid, password)

    await service.run(credentials, readonly=True)
    if not isinstance(model, str) or model not in service.registry:
        raise UserError(f"Object {model} doesn't exist")   # execute_cr, Odoo 16/17
    if method == "execute":
        return await call_kw(service, uid, model, model_method, list(params[5:]), {},
                             session=False)
    args = params[5] if len(params) > 5 else []
    kwargs = params[6] if len(params) > 6 else {}
    return await call_kw(service, uid, model, model_method, args, kwargs, session=False)


SERVICES = {"common": _common, "db": _db, "object": _object}


async def dispatch_rpc(service: RpcService, host: str, service_name: Any, method: Any,
                       params: Any, ip: str | None = None) -> Any:
    """``ip``: the client address (``request.remote``), for the login cooldown."""
    if not isinstance(params, (list, tuple)):
        raise TypeError("args must be a list")
    handler = SERVICES.get(service_name)  # type: ignore[arg-type]
    if handler is None:
        raise KeyError(service_name)
    if not isinstance(method, str):
        raise TypeError(f"Invalid method {method!r}")
    if handler is _common:
        return await _common(service, host, method, list(params), ip)
    return await handler(service, host, method, list(params))
