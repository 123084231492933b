"""Platform routes: a platform owner chooses the restaurant they work in.

The switch is ``res.users.switch_company`` (the same check as on the Odoo
front): it makes the restaurant the user's current company, which every
later request of that user works in, on both fronts, until the next switch.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from models.env import Env

from .auth import authenticated, run_as
from .envelope import ok


async def switch_restaurant(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    company_id = int(request.match_info["id"])    # the route allows digits only

    async def switch(env: Env) -> dict[str, Any]:
        context = await env["res.users"].switch_company(company_id)
        return {"company_id": company_id,
                "allowed_company_ids": context["allowed_company_ids"]}

    data = await run_as(request, caller, switch, readonly=False)
    return ok(data, message="Restaurant switched")


#: (method, path, handler), added to the app by routes.py (the switch is in its core table).
ROUTES: list[tuple[str, str, object]] = []
