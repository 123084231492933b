"""``/api/v1/feature-flags`` and ``/api/v1/users/me/preferences``.

Feature flags are ``gateway.feature.flag`` (``models/feature_flag.py``): the
flags in effect for the caller's current restaurant are its platform's,
replaced key by key by the restaurant's own. ``PUT`` sets one at the
restaurant's scope (its managers) or the platform's (the platform owner);
``DELETE ?scope=`` removes that scope's row, so the platform's setting shows
through again. Writes need a POS manager (403 before the body is read); the
model then checks the scope (a restaurant manager may not set a platform's
flag). Another restaurant's flags are never reachable: every call works on
the caller's current company and its platform.

Preferences are the caller's own, on ``res.users`` (``get_preferences``,
``set_preferences``): ``language``, ``timezone`` and ``notifications``
(model names ``lang``, ``tz``, ``notifications``; field errors use the API's).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from models import security
from models.env import Env
from models.exceptions import ValidationError
from models.feature_flag import MODEL, SCOPES

from .auth import Caller, authenticated, authenticated_in, run_as
from .body import json_object
from .envelope import PREFIX, ok

USERS = "res.users"
FLAG_BODY = ("enabled", "value", "scope")
#: API name -> model name of the preference fields.
PREFERENCES = {"language": "lang", "timezone": "tz", "notifications": "notifications"}
API_NAMES = {model: api for api, model in PREFERENCES.items()}


# -- feature flags ------------------------------------------------------------------------------

async def _manager(request: web.Request) -> Caller:
    return await authenticated_in(request, security.POS_MANAGER,
                                  "Only managers may change feature flags")


def _no_query(request: web.Request, allowed: tuple[str, ...] = ()) -> dict[str, str]:
    """The allowed query parameters (each once); 422 naming any other."""
    errors = {name: "unknown parameter" for name in request.query if name not in allowed}
    for name in allowed:
        if len(request.query.getall(name, [])) > 1:
            errors[name] = "given more than once"
    if errors:
        raise ValidationError("Invalid query: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return {name: request.query[name] for name in allowed if name in request.query}


async def list_flags(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    _no_query(request)
    flags = await run_as(request, caller, lambda env: env[MODEL].effective_flags())
    return ok(flags, meta={"count": len(flags)})


async def put_flag(request: web.Request) -> web.Response:
    caller = await _manager(request)
    _no_query(request)
    key = request.match_info["key"]
    body = await json_object(request)
    errors = {name: "unknown field" for name in body if name not in FLAG_BODY}
    if "enabled" not in body:
        errors["enabled"] = "required"
    if errors:
        raise ValidationError("Invalid feature flag: " + ", ".join(sorted(errors)),
                              field_errors=errors)

    async def put(env: Env) -> dict[str, Any]:
        return await env[MODEL].set_flag(key, body["enabled"], body.get("value"),
                                         body.get("scope", "restaurant"))

    return ok(await run_as(request, caller, put, readonly=False), message="Feature flag set")


async def delete_flag(request: web.Request) -> web.Response:
    caller = await _manager(request)
    scope = _no_query(request, ("scope",)).get("scope", "restaurant")
    if scope not in SCOPES:
        raise ValidationError("Invalid scope",
                              field_errors={"scope": f"must be one of {', '.join(SCOPES)}"})
    key = request.match_info["key"]
    data = await run_as(request, caller, lambda env: env[MODEL].clear_flag(key, scope),
                        readonly=False)
    return ok(data, message="Feature flag setting removed")


# -- preferences --------------------------------------------------------------------------------

def _api_preferences(prefs: dict[str, Any]) -> dict[str, Any]:
    return {"language": prefs["lang"], "timezone": prefs["tz"],
            "notifications": prefs["notifications"]}


async def get_preferences(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    _no_query(request)
    prefs = await run_as(request, caller, lambda env: env[USERS].get_preferences())
    return ok(_api_preferences(prefs))


async def patch_preferences(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    _no_query(request)
    body = await json_object(request)
    vals = {PREFERENCES.get(name, name): value for name, value in body.items()}
    unknown = {name: "unknown field" for name in body
               if name not in PREFERENCES and name in PREFERENCES.values()}
    if unknown:     # the model's own names are not the API's
        raise ValidationError("Invalid preferences: " + ", ".join(sorted(unknown)),
                              field_errors=unknown)

    async def patch(env: Env) -> dict[str, Any]:
        try:
            return await env[USERS].set_preferences(vals)
        except ValidationError as exc:
            errors = {}
            for name, message in exc.field_errors.items():
                head, dot, rest = name.partition(".")
                errors[API_NAMES.get(head, head) + dot + rest] = message
            raise ValidationError("Invalid preferences: " + ", ".join(sorted(errors)),
                                  field_errors=errors) from None

    prefs = await run_as(request, caller, patch, readonly=False)
    return ok(_api_preferences(prefs), message="Preferences updated")


#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/feature-flags", list_flags),
    ("PUT", f"{PREFIX}/feature-flags/{{key}}", put_flag),
    ("DELETE", f"{PREFIX}/feature-flags/{{key}}", delete_flag),
    ("GET", f"{PREFIX}/users/me/preferences", get_preferences),
    ("PATCH", f"{PREFIX}/users/me/preferences", patch_preferences),
]
