"""The one exception hierarchy: what each class travels as on each front.

Odoo's fronts see Odoo's class names (clients switch on them); REST sees an
HTTP status and a stable machine code. The business-specific classes are
subclasses, so an Odoo client cannot tell them from the Odoo class they extend.
"""
from __future__ import annotations

import pytest

from compat.errors import jsonrpc_error, odoo_name
from models.exceptions import (AccessDenied, AccessError, Conflict, InsufficientStock,
                               InvalidStateTransition, MissingError, SessionExpired, UserError,
                               ValidationError)

#: (class, Odoo name, HTTP status, REST code)
CLASSES = [
    (UserError, "odoo.exceptions.UserError", 400, "USER_ERROR"),
    (ValidationError, "odoo.exceptions.ValidationError", 422, "VALIDATION_ERROR"),
    (AccessError, "odoo.exceptions.AccessError", 403, "FORBIDDEN"),
    (MissingError, "odoo.exceptions.MissingError", 404, "NOT_FOUND"),
    (AccessDenied, "odoo.exceptions.AccessDenied", 401, "AUTHENTICATION_FAILED"),
    (SessionExpired, "odoo.http.SessionExpiredException", 401, "SESSION_EXPIRED"),
    (InvalidStateTransition, "odoo.exceptions.UserError", 409, "INVALID_STATE_TRANSITION"),
    (InsufficientStock, "odoo.exceptions.UserError", 409, "INSUFFICIENT_STOCK"),
    (Conflict, "odoo.exceptions.ValidationError", 409, "CONFLICT"),
]


@pytest.mark.parametrize("cls,name,status,code", CLASSES, ids=[c[0].__name__ for c in CLASSES])
def test_each_class_on_each_front(cls: type, name: str, status: int, code: str) -> None:
    error = cls("something went wrong")
    assert odoo_name(error) == name
    assert jsonrpc_error(error, debug=False)["data"]["name"] == name
    assert (error.http_status, error.code) == (status, code)   # type: ignore[attr-defined]


def test_codes_are_unique() -> None:
    codes = [code for *_rest, code in CLASSES]
    assert len(codes) == len(set(codes))
