"""XML-RPC: ``/xmlrpc/2/<service>`` (integer fault codes) and the legacy
``/xmlrpc/<service>`` that odoo-client-lib and erppeek call (string codes).

Faults are HTTP 200 with a ``<fault>`` body, as Odoo sends them; only a body
that is too large is refused at the HTTP level.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from aiohttp import web

from compat import xmlrpc as wire
from compat.errors import xmlrpc_fault_int, xmlrpc_fault_string

from .jsonrpc import log_error
from .service import RPC_SERVICE, deadline
from .services import dispatch_rpc

_logger = logging.getLogger(__name__)
XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def _route(fault: Callable[[BaseException, bool], tuple[Any, str]]) -> Callable[..., Any]:
    async def handler(request: web.Request) -> web.Response:
        service = request.app[RPC_SERVICE]
        debug = service.settings.debug
        if request.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
            return _fault_response(fault, ValueError("Compressed XML-RPC requests are not accepted"),
                                   debug)
        body = await request.read()
        try:
            method, params = wire.loads(body)
            with deadline(service):
                result = await dispatch_rpc(service, request.host, request.match_info["service"],
                                            method, params, ip=request.remote)
            if result is None:
                raise TypeError("cannot marshal None unless allow_none is enabled")
            payload = wire.dumps_result(result)
        except web.HTTPException:
            raise
        except Exception as exc:  # every failure is a fault in the caller's protocol
            log_error(request, exc)
            return _fault_response(fault, exc, debug)
        return web.Response(body=payload, headers=XML_HEADERS)
    return handler


def _fault_response(fault: Callable[[BaseException, bool], tuple[Any, str]],
                    exc: BaseException, debug: bool) -> web.Response:
    code, text = fault(exc, debug)
    return web.Response(body=wire.dumps_fault(code, text), headers=XML_HEADERS)


xmlrpc_2 = _route(xmlrpc_fault_int)
xmlrpc_legacy = _route(xmlrpc_fault_string)
