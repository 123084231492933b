"""The native REST API under ``/api/v1``: envelope, error mapping, JWT auth, health.

A thin front over the models, as ``rpc/`` is: handlers parse the request,
call model methods in a unit of work, and answer in the envelope
(``envelope.py``). Exceptions are mapped once, in ``errors.py``.
"""
from __future__ import annotations

from .auth import bearer_uid
from .cors import setup_cors
from .errors import api_errors
from .headers import security_headers
from .openapi import spec_bytes
from .rate_limit import make_rate_limits
from .routes import add_api_routes
from .tokens import TOKENS, TokenService

__all__ = ["bearer_uid", "api_errors", "security_headers", "add_api_routes", "TOKENS",
           "TokenService", "make_rate_limits", "setup_cors", "spec_bytes"]
