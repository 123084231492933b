"""Every route of the Odoo face, in one table (tested path -> handler)."""
from __future__ import annotations

from aiohttp import web

from . import bus, json2, web as web_routes, xmlrpc
from .jsonrpc import json_route
from .service import RPC_SERVICE
from .services import dispatch_rpc


@json_route
async def jsonrpc(request: web.Request, params: dict) -> object:
    return await dispatch_rpc(request.app[RPC_SERVICE], request.host, params.get("service"),
                              params.get("method"), params.get("args", []),
                              ip=request.remote)


ROUTES: list[tuple[str, str, object]] = [
    ("POST", "/web/session/authenticate", web_routes.authenticate),
    ("POST", "/web/session/get_session_info", web_routes.get_session_info),
    ("POST", "/web/session/check", web_routes.check),
    ("POST", "/web/session/destroy", web_routes.destroy),
    ("GET", "/web/session/logout", web_routes.logout),
    ("POST", "/web/session/modules", web_routes.modules),
    ("POST", "/web/session/get_lang_list", web_routes.get_lang_list),
    ("POST", "/web/webclient/version_info", web_routes.version_info),
    ("POST", "/web/database/list", web_routes.database_list),
    ("POST", "/web/dataset/call_kw", web_routes.dataset_call_kw),
    ("POST", "/web/dataset/call_kw/{path:.*}", web_routes.dataset_call_kw),
    ("POST", "/web/dataset/call_button", web_routes.dataset_call_button),
    ("POST", "/web/dataset/call_button/{path:.*}", web_routes.dataset_call_button),
    ("POST", "/web/dataset/search_read", web_routes.dataset_search_read),
    ("POST", "/jsonrpc", jsonrpc),
    ("POST", "/xmlrpc/2/{service}", xmlrpc.xmlrpc_2),
    ("POST", "/xmlrpc/{service}", xmlrpc.xmlrpc_legacy),
    ("POST", "/json/2/{model}/{method}", json2.json2),
    *bus.ROUTES,
]


def add_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)  # type: ignore[arg-type]
