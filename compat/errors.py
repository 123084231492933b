"""Exceptions -> Odoo's error shapes, one mapping per transport.

* JSON-RPC (``odoo/http.py`` ``serialize_exception`` / ``handle_error``):
  code 200 "Odoo Server Error", code 100 "Odoo Session Expired", with
  ``data.name`` the Odoo class name clients switch on.
* XML-RPC ``/xmlrpc/2``: integer fault codes 1-4; legacy ``/xmlrpc``:
  string fault codes (``xmlrpc_handle_exception_int`` / ``_string``).

Exceptions are recognised by their ``odoo_name`` attribute and their class
hierarchy, so this module needs nothing from ``models``.
"""
from __future__ import annotations

import traceback
from typing import Any


def odoo_name(exc: BaseException) -> str:
    """``odoo.exceptions.UserError`` for ours, ``builtins.ValueError`` for Python's."""
    name = getattr(type(exc), "odoo_name", None)
    if name:
        return name
    module = type(exc).__module__
    return f"{module}.{type(exc).__name__}"


def _lineage(exc: BaseException) -> list[str]:
    """The Odoo names of the exception's class and its bases, nearest first."""
    return [getattr(klass, "odoo_name", "") for klass in type(exc).__mro__]


def exception_message(exc: BaseException) -> str:
    """Odoo's ``exception_to_unicode``: the args joined, else ``str(exc)``."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    args = getattr(exc, "args", ())
    if args:
        return "\n".join(str(arg) for arg in args)
    return str(exc)


def serialize_exception(exc: BaseException, debug: bool) -> dict[str, Any]:
    message = exception_message(exc)
    return {
        "name": odoo_name(exc),
        "debug": "".join(traceback.format_exception(exc)) if debug else "",
        "message": message,
        "arguments": [message] if getattr(type(exc), "odoo_name", None) else
        [str(a) if not isinstance(a, (int, float, bool)) else a for a in exc.args] or [message],
        "context": getattr(exc, "context", {}) or {},
    }


SESSION_EXPIRED = "odoo.http.SessionExpiredException"


def jsonrpc_error(exc: BaseException, debug: bool) -> dict[str, Any]:
    """The ``error`` member of a JSON-RPC response."""
    if odoo_name(exc) == SESSION_EXPIRED:
        return {"code": 100, "message": "Odoo Session Expired",
                "data": serialize_exception(exc, debug)}
    return {"code": 200, "message": "Odoo Server Error", "data": serialize_exception(exc, debug)}


def xmlrpc_fault_int(exc: BaseException, debug: bool) -> tuple[int, str]:
    """``/xmlrpc/2``: (faultCode, faultString)."""
    lineage = _lineage(exc)
    message = exception_message(exc)
    if "odoo.exceptions.RedirectWarning" in lineage:
        return 2, message
    if "odoo.exceptions.AccessError" in lineage:
        return 4, message
    if "odoo.exceptions.AccessDenied" in lineage:
        return 3, message
    if "odoo.exceptions.UserError" in lineage:
        return 2, message
    if SESSION_EXPIRED in lineage:
        return 3, message
    return 1, "".join(traceback.format_exception(exc)) if debug else f"{odoo_name(exc)}: {message}"


def xmlrpc_fault_string(exc: BaseException, debug: bool) -> tuple[str, str]:
    """Legacy ``/xmlrpc``: (faultCode as a string, faultString)."""
    lineage = _lineage(exc)
    message = exception_message(exc)
    tb = "".join(traceback.format_exception(exc)) if debug else ""
    if "odoo.exceptions.RedirectWarning" in lineage:
        return "warning -- Warning\n\n" + message, ""
    if "odoo.exceptions.MissingError" in lineage:
        return "warning -- MissingError\n\n" + message, ""
    if "odoo.exceptions.AccessError" in lineage:
        return "warning -- AccessError\n\n" + message, ""
    if "odoo.exceptions.AccessDenied" in lineage:
        return "AccessDenied", message
    if "odoo.exceptions.UserError" in lineage:
        return "warning -- UserError\n\n" + message, ""
    return message or odoo_name(exc), tb
