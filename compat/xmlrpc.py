"""XML-RPC as Odoo speaks it: safe parsing in, Odoo's marshalling rules out.

In: the body size is capped by the caller and any DOCTYPE is refused before
the parser runs, which rules out entity expansion (billion laughs, external
entities) whatever the expat version.

Out (``odoo/addons/base/controllers/rpc.py``): dates and datetimes as
strings, ``None`` impossible (``allow_none=False``, so a method answering
None is a fault, as in Odoo), control characters other than tab, CR and LF
removed from strings.
"""
from __future__ import annotations

import datetime as dt
import decimal
import re
import xmlrpc.client
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlRpcRequestError(ValueError):
    """The body is not an acceptable XML-RPC call."""


def loads(body: bytes) -> tuple[str, tuple[Any, ...]]:
    """(method name, params) of an XML-RPC call; refuses DTDs and malformed XML."""
    if _DOCTYPE.search(body):
        raise XmlRpcRequestError("XML-RPC requests may not contain a DOCTYPE or entities")
    try:
        params, method = xmlrpc.client.loads(body, use_datetime=False, use_builtin_types=False)
    except xmlrpc.client.ResponseError as exc:
        raise XmlRpcRequestError(f"Malformed XML-RPC request: {exc}") from None
    except Exception as exc:  # expat's ExpatError, ValueError on bad numbers, ...
        raise XmlRpcRequestError(f"Malformed XML-RPC request: {exc}") from None
    if not isinstance(method, str) or not method:
        raise XmlRpcRequestError("Malformed XML-RPC request: no method name")
    return method, tuple(_incoming(p) for p in params)


def _incoming(value: Any) -> Any:
    """Binary and DateTime objects become the strings Odoo works with."""
    if isinstance(value, xmlrpc.client.Binary):
        import base64
        return base64.b64encode(value.data).decode("ascii")
    if isinstance(value, xmlrpc.client.DateTime):
        text = value.value
        try:
            return dt.datetime.strptime(text, "%Y%m%dT%H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            return text
    if isinstance(value, list):
        return [_incoming(v) for v in value]
    if isinstance(value, dict):
        return {k: _incoming(v) for k, v in value.items()}
    return value


def _outgoing(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_outgoing(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _outgoing(v) for k, v in value.items()}
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def dumps_result(result: Any) -> bytes:
    """A methodResponse; raises TypeError for None (Odoo: 'cannot marshal None')."""
    return xmlrpc.client.dumps((_outgoing(result),), methodresponse=True, allow_none=False,
                               encoding="utf-8").encode("utf-8")


def dumps_fault(code: int | str, message: str) -> bytes:
    fault = xmlrpc.client.Fault(code, _CONTROL.sub("", message))
    return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False,
                               encoding="utf-8").encode("utf-8")
