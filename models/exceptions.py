"""The one exception hierarchy of the gateway.

Models raise these; each edge (JSON-RPC, XML-RPC, JSON-2, REST) maps them
once, by walking the class hierarchy. The shape copies Odoo's
``odoo/exceptions.py`` because Odoo clients key their behaviour on the class
name they receive (``data.name``) and on the XML-RPC fault code, so each class
carries the Odoo name it travels as.

Errors that Odoo lets escape as plain Python exceptions (``ValueError`` for an
invalid field, ``TypeError`` for a bad argument, ``KeyError`` for an unknown
model) stay plain Python exceptions here too: clients see ``builtins.*``.
"""
from __future__ import annotations


class UserError(Exception):
    """A business error meant for the person using the client."""

    odoo_name = "odoo.exceptions.UserError"
    #: REST status and machine code (used by gateway/api).
    http_status = 400
    code = "USER_ERROR"

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(message, *args)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class ValidationError(UserError):
    """Bad values: a constraint, a missing required field, a wrong type."""

    odoo_name = "odoo.exceptions.ValidationError"
    http_status = 422
    code = "VALIDATION_ERROR"

    def __init__(self, message: str = "", field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


class AccessError(UserError):
    """The caller may not perform this operation (model rights, companies)."""

    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403
    code = "FORBIDDEN"


class MissingError(UserError):
    """The record does not exist (or is not visible to the caller)."""

    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404
    code = "NOT_FOUND"


class InvalidStateTransition(UserError):
    """A record asked to move to a state its life cycle does not allow (an order paid
    twice, a closed session opened), or a change its state no longer allows (the lines
    of a paid order). Odoo raises a plain UserError: so do we on its fronts; REST tells
    the two apart by the code."""

    http_status = 409
    code = "INVALID_STATE_TRANSITION"


class InsufficientStock(UserError):
    """A sale of more than is on hand where the restaurant forbids selling below zero."""

    http_status = 409
    code = "INSUFFICIENT_STOCK"


class Conflict(ValidationError):
    """Valid values that clash with what is recorded (an overlapping booking, a second
    open session of a till). A ValidationError for Odoo's fronts."""

    http_status = 409
    code = "CONFLICT"


class AccessDenied(UserError):
    """Bad credentials. Odoo's message is always the same, to leak nothing."""

    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 401
    code = "AUTHENTICATION_FAILED"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class RedirectWarning(UserError):
    odoo_name = "odoo.exceptions.RedirectWarning"


class SessionExpired(Exception):
    """No valid session (or token) for a route that needs a user."""

    odoo_name = "odoo.http.SessionExpiredException"
    http_status = 401
    code = "SESSION_EXPIRED"

    def __init__(self, message: str = "Session expired") -> None:
        super().__init__(message)


class ConcurrencyError(Exception):
    """A transaction lost a race (serialization failure, deadlock) and may be retried."""
