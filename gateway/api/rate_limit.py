"""Request rate limits of the REST API (``/api/v1`` only: the Odoo front pays nothing).

Each request falls in the first route group of ``GROUPS`` whose prefix its
path starts with; each group has its own budget per minute (a setting; 0: no
limit) and a budget is kept per caller: the user of a valid access token, else
the client address (``request.remote``, rewritten by ``proxy_mode``). An
invalid token counts on the address, so forging a subject costs nothing to
another user.

Fixed windows of 60 s, opened by a caller's first request: cheap (one dict
lookup), at the price of up to twice the limit across a window boundary.
State is per process, in memory: with N workers a caller may get up to N
times the limit (a Redis-shared counter is the later step, see
docs/decisions.md).

Every answer in a limited group carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds until the
window ends); past the limit the answer is 429 ``RATE_LIMITED`` in the
envelope with ``Retry-After``.
"""
from __future__ import annotations

import math
import time
import uuid
from typing import Any, Callable

from aiohttp import web

from .envelope import PREFIX, failure, is_api
from .auth import access_claims
from .tokens import InvalidToken

WINDOW = 60.0
#: Callers remembered per group at most; the oldest windows go first beyond it.
MAX_KEYS = 100_000

#: (group, path prefixes, setting with its requests per minute, "" for none). First match
#: wins. The mobile sockets are not counted: a socket is one request that lasts, paced by
#: its own message limit (websocket_rate_limit_burst), and a reconnecting kitchen screen
#: must never find itself locked out.
GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("bus", (f"{PREFIX}/ws",), ""),
    ("auth", (f"{PREFIX}/auth/login", f"{PREFIX}/auth/refresh"),
     "rate_limit_login_per_minute"),
    ("default", (PREFIX,), "rate_limit_per_minute"),
)


class Window:
    __slots__ = ("start", "count")

    def __init__(self, start: float) -> None:
        self.start = start
        self.count = 0


class RateLimiter:
    """Fixed-window counters per (group, caller)."""

    def __init__(self, limits: dict[str, int],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.windows: dict[str, dict[str, Window]] = {group: {} for group in limits}

    def hit(self, group: str, key: str) -> tuple[bool, int, int, float]:
        """(allowed, limit, remaining, seconds until reset) for one request."""
        limit = self.limits[group]
        now = self.clock()
        windows = self.windows[group]
        window = windows.get(key)
        if window is None or now - window.start >= WINDOW:
            windows.pop(key, None)
            window = windows[key] = Window(now)      # at the end: the newest window
            self._prune(windows, now)
        reset = window.start + WINDOW - now
        if window.count >= limit:
            return False, limit, 0, reset
        window.count += 1
        return True, limit, limit - window.count, reset

    @staticmethod
    def _prune(windows: dict[str, Window], now: float) -> None:
        while windows:
            key = next(iter(windows))
            if len(windows) <= MAX_KEYS and now - windows[key].start < WINDOW:
                break
            del windows[key]


def group_of(path: str, limits: dict[str, int]) -> str | None:
    for group, prefixes, _setting in GROUPS:
        if any(path == p or path.startswith(p + "/") for p in prefixes):
            return group if group in limits else None
    return None


def _caller(request: web.Request) -> str:
    """Whose budget a request spends: its token's user, else (no token, or an invalid
    one) its address."""
    try:
        return f"user:{access_claims(request).uid}"
    except InvalidToken:
        return f"ip:{request.remote}"


def make_rate_limits(config: Any) -> Any:
    """The middleware for these settings, or None when every group is unlimited."""
    limits = {group: int(config[setting]) for group, _prefixes, setting in GROUPS
              if setting and int(config[setting]) > 0}
    if not limits:
        return None
    limiter = RateLimiter(limits)

    @web.middleware
    async def rate_limits(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "OPTIONS" or not is_api(request.path):   # CORS preflights are free
            return await handler(request)
        group = group_of(request.path, limits)
        if group is None:
            return await handler(request)
        allowed, limit, remaining, reset = limiter.hit(group, _caller(request))
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                   "X-RateLimit-Reset": str(max(1, math.ceil(reset)))}
        if not allowed:
            headers["Retry-After"] = headers["X-RateLimit-Reset"]
            return failure(429, "RATE_LIMITED", "Too many requests, retry later",
                           uuid.uuid4().hex, headers=headers)
        response = await handler(request)
        response.headers.update(headers)
        return response

    rate_limits.limiter = limiter  # type: ignore[attr-defined]
    return rate_limits
