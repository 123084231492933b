"""Login cooldown shared by every login face (``res.users._authenticate``).

Odoo's rule (``res.users._assert_can_auth`` / ``_on_login_cooldown``): after
``base.login_cooldown_after`` (5) failures, further attempts are refused for
``base.login_cooldown_duration`` (60 s) after the last one, without checking
the password, with an AccessDenied of its own message; a success clears the
count. Odoo counts per client address; we count both:

* per login: ``after`` failures within ``window`` seconds put the login on
  cooldown for ``duration`` seconds after the latest; each further failure
  while the last ``after`` are within the window starts it again (as Odoo).
  Unknown logins are counted exactly as known ones: the answer never tells
  them apart. A success clears the login's failures;
* per client address: ``ip_after`` failures within a minute put the address
  on cooldown for ``duration``. A success does not clear them (one known
  account must not reset the budget for guessing others).

An attempt is counted when it starts (before bcrypt), so that a burst of
concurrent guesses cannot all pass the check; its success takes it back.

State is per process, in memory, as Odoo's (``registry._login_failures``):
with N workers a login may fail up to N times the limit before all refuse.
Entries are kept in order of last failure and dropped once too old to
matter, or the oldest first beyond ``MAX_KEYS``.
"""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable

from .exceptions import AccessDenied

#: Keys remembered per table at most (logins, addresses); the oldest go first.
MAX_KEYS = 50_000
#: Seconds over which ``ip_after`` failures of one address are counted.
IP_WINDOW = 60.0
#: Longest login kept as a key (a longer one is cut: no memory for junk).
MAX_LOGIN_LENGTH = 256


class LoginCooldown(AccessDenied):
    """Too many failed logins: refused without checking the password (Odoo's message).
    An AccessDenied on Odoo's fronts; 429 RATE_LIMITED with Retry-After on REST."""

    http_status = 429
    code = "RATE_LIMITED"

    def __init__(self, retry_after: float = 0.0) -> None:
        super().__init__("Too many login failures, please wait a bit before trying again.")
        self.retry_after = max(1, math.ceil(retry_after))


class _Table:
    """Failure times per key, newest ``limit`` only, keys in order of last failure."""

    __slots__ = ("limit", "window", "duration", "entries")

    def __init__(self, limit: int, window: float, duration: float) -> None:
        self.limit = limit
        self.window = window
        self.duration = duration
        self.entries: dict[str, deque[float]] = {}

    def remaining(self, key: str, now: float) -> float:
        """Seconds of cooldown left for ``key`` (0: may try)."""
        times = self.entries.get(key)
        if times is None or len(times) < self.limit or now - times[0] > self.window:
            return 0.0
        return max(0.0, times[-1] + self.duration - now)

    def add(self, key: str, now: float) -> None:
        times = self.entries.pop(key, None)
        if times is None:
            times = deque(maxlen=self.limit)
        times.append(now)
        self.entries[key] = times          # to the end: the newest failure
        self._prune(now)

    def take_back(self, key: str, stamp: float) -> None:
        times = self.entries.get(key)
        if times is not None:
            if stamp in times:
                times.remove(stamp)
            if not times:
                del self.entries[key]

    def clear(self, key: str) -> None:
        self.entries.pop(key, None)

    def _prune(self, now: float) -> None:
        """Drop keys from the oldest while too old to matter, or too many."""
        horizon = max(self.window, self.duration)
        entries = self.entries
        while entries:
            key = next(iter(entries))
            if len(entries) <= MAX_KEYS and now - entries[key][-1] <= horizon:
                break
            del entries[key]


class LoginThrottle:
    def __init__(self, after: int, duration: float, window: float, ip_after: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.logins = _Table(after, window, duration) if after > 0 and duration > 0 else None
        self.addresses = (_Table(ip_after, IP_WINDOW, duration)
                          if ip_after > 0 and duration > 0 else None)

    @property
    def enabled(self) -> bool:
        return self.logins is not None or self.addresses is not None

    def begin(self, login: str, ip: str | None) -> float:
        """Refuse (LoginCooldown) if the login or the address is cooling down; otherwise
        count the attempt as a failure until ``succeeded`` takes it back. The stamp returned
        identifies the attempt."""
        now = self.clock()
        key = login[:MAX_LOGIN_LENGTH]
        wait = self.logins.remaining(key, now) if self.logins is not None else 0.0
        if ip and self.addresses is not None:
            wait = max(wait, self.addresses.remaining(ip, now))
        if wait > 0:
            raise LoginCooldown(wait)
        if self.logins is not None:
            self.logins.add(key, now)
        if ip and self.addresses is not None:
            self.addresses.add(ip, now)
        return now

    def succeeded(self, login: str, ip: str | None, stamp: float) -> None:
        if self.logins is not None:
            self.logins.clear(login[:MAX_LOGIN_LENGTH])
        if ip and self.addresses is not None:
            self.addresses.take_back(ip, stamp)
