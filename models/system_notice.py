"""``res.company.send_system_notification``: the platform tells its restaurants.

A platform owner (or the system administrator) sends a short notice, a
``system_notification`` bus event (models/bus.py), to one restaurant of
theirs or to every active restaurant of their platforms: the restaurants
among the companies they may switch to (``allowed_company_ids``: the
owner's platforms and every restaurant below them), never another
platform's. A restaurant they may not see is not found, as any record of
another tenant (no existence oracle).

The notice is a bus event only: nothing is stored besides the bus row, so
it reaches those listening now or resuming within the bus retention.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import bus, security
from .api import public
from .base import MAX_ID
from .exceptions import AccessError, MissingError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

LEVELS = ("info", "warning", "critical")
TITLE_MAX = 120
MESSAGE_MAX = 2000


def _text(value: Any, name: str, limit: int, errors: dict[str, str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[name] = "required"
    elif not isinstance(value, str):
        errors[name] = "must be a string"
    elif len(value.strip()) > limit:
        errors[name] = f"at most {limit} characters"
    else:
        return value.strip()
    return ""


class SystemNoticeCompany:
    """The sending side of ``res.company`` (mixed in)."""

    @public("model")
    async def send_system_notification(cls, env: "Env", title: Any, message: Any,
                                       level: Any = "info",
                                       restaurant_id: Any = None) -> dict[str, Any]:
        """Send ``{title, message, level}`` to ``restaurant_id`` (one of the caller's) or,
        without it, to every active restaurant of the caller's platforms. Answers
        ``{"sent_to": [restaurant ids]}``. AccessError unless the caller is a platform
        owner or the administrator; ValidationError naming each bad field; MissingError
        for a restaurant the caller may not see."""
        user = env.user
        if not env.su and not (user and user.has_group(security.PLATFORM_OWNER)):
            raise AccessError("Only platform owners send system notifications.")
        errors: dict[str, str] = {}
        title = _text(title, "title", TITLE_MAX, errors)
        message = _text(message, "message", MESSAGE_MAX, errors)
        if level not in LEVELS or not isinstance(level, str):
            errors["level"] = f"must be one of {', '.join(LEVELS)}"
        if restaurant_id is not None and (isinstance(restaurant_id, bool)
                                          or not isinstance(restaurant_id, int)
                                          or not 0 < restaurant_id <= MAX_ID):
            errors["restaurant_id"] = "must be a positive integer id"
        if errors:
            raise ValidationError("Invalid notification: " + ", ".join(sorted(errors)),
                                  field_errors=errors)
        targets = await cls._notice_targets(env, restaurant_id)
        payload = {"title": title, "message": message, "level": level, "sender_id": env.uid}
        for company_id in targets:
            await bus.send_restaurant(env, company_id, "system_notification", payload)
        return {"sent_to": targets}

    @classmethod
    async def _notice_targets(cls, env: "Env", restaurant_id: int | None) -> list[int]:
        companies = env.registry["res.company"]
        query = companies.select(companies.id).where(companies.is_platform == False)  # noqa: E712
        if env.user is not None and not env.su:
            query = query.where(companies.id.in_(list(env.user.allowed_company_ids)))
        if restaurant_id is not None:
            found = await env.cr.first(query.where(companies.id == restaurant_id))
            if found is None:
                raise MissingError(f"Restaurant {restaurant_id} not found")
            return [restaurant_id]
        active = companies.active == True  # noqa: E712
        return [row[0] for row in await env.cr.rows(query.where(active).order_by(companies.id))]
