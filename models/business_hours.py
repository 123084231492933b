"""A restaurant's business hours (``res.company.business_hours``) and the refusal of orders
placed while it is closed.

A week is a list of opening intervals, several per weekday if the restaurant
closes in the afternoon, each in the restaurant's own time (``res.company.tz``,
an IANA name; UTC when unset). An interval whose closing time is at or before
its opening time runs past midnight into the next day (``18:00-02:00`` on a
Friday is open until 2 a.m. on Saturday); ``00:00-24:00`` is the whole day.
No two intervals of the week may overlap, also across midnight and across
Sunday night into Monday: an overlap is a typo, never an intent.

The hours are part of the restaurant's settings, stored on the company as
a small JSON list (``[[weekday, open minute, close minute], ...]``): a week
is read and replaced whole, never queried by interval, and it shares the
company's access rights and tenancy (no model, rights or record rule of its
own). Reading them needs the rights to read the company, changing them the
rights to write it (POS managers); the field and the refusal flag are
read-only for clients, written by :meth:`set_business_hours` only, which
keeps them consistent (a refusal needs hours).

With ``res.company.refuse_orders_outside_hours`` set, a new order taken while
the restaurant is closed is refused (:class:`OutsideBusinessHours`) on every
front, since every front records orders through ``PosOrder._intake``. The
moment checked is *now*, when the order reaches the server, not the date the
client puts on it: a till's clock, or a back-dated import, must not open the
restaurant. Resending an order already recorded is never refused.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from typing import TYPE_CHECKING, Any, Iterable

from . import security
from .api import public
from .base import check_ids
from .exceptions import UserError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY = 24 * 60
WEEK = 7 * DAY
MAX_INTERVALS_PER_DAY = 12
_CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")

#: (weekday 0 = Monday, opening minute, closing minute) in the restaurant's time.
Interval = tuple[int, int, int]


class OutsideBusinessHours(UserError):
    """An order placed while the restaurant is closed, where it refuses those. A plain
    UserError on Odoo's fronts (a till shows its message)."""

    http_status = 409
    code = "OUTSIDE_BUSINESS_HOURS"


def valid_timezone(name: Any) -> bool:
    """Whether ``name`` is an IANA time zone this system knows (``Europe/Rome``)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def zone(name: Any) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(name) if valid_timezone(name) else dt.timezone.utc


def _minutes(value: Any, closing: bool) -> int:
    if not isinstance(value, str) or not (found := _CLOCK.match(value)):
        raise ValueError("must be a time HH:MM")
    minutes = int(found.group(1)) * 60 + int(found.group(2))
    if minutes > DAY or (minutes == DAY and not closing):
        raise ValueError("must be from 00:00 to 23:59" + (" (or 24:00)" if closing else ""))
    return minutes


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span(interval: Interval) -> tuple[int, int]:
    """[start, end) in minutes from Monday 00:00; ``end`` may pass the week's end."""
    weekday, opens, closes = interval
    start = weekday * DAY + opens
    return start, weekday * DAY + (closes if closes > opens else closes + DAY)


def parse_week(hours: Any) -> list[Interval]:
    """``{"monday": [{"open": "11:30", "close": "15:00"}, ...], ...}`` -> intervals.

    A weekday left out is closed. Raises ValidationError naming each bad entry
    (``hours.friday[1].close``)."""
    if not isinstance(hours, dict):
        raise ValidationError("Invalid business hours", field_errors={
            "hours": "must be an object with a list of intervals per weekday"})
    errors: dict[str, str] = {}
    intervals: list[Interval] = []
    names: list[str] = []
    for day in hours:
        if day not in WEEKDAYS:
            errors[f"hours.{day}"] = f"unknown weekday (one of {', '.join(WEEKDAYS)})"
    for weekday, day in enumerate(WEEKDAYS):
        entries = hours.get(day)
        if entries is None:
            continue
        if not isinstance(entries, list):
            errors[f"hours.{day}"] = "must be a list of intervals"
            continue
        if len(entries) > MAX_INTERVALS_PER_DAY:
            errors[f"hours.{day}"] = f"at most {MAX_INTERVALS_PER_DAY} intervals"
            continue
        for index, entry in enumerate(entries):
            key = f"hours.{day}[{index}]"
            if not isinstance(entry, dict):
                errors[key] = "must be an object {open, close}"
                continue
            for name in entry:
                if name not in ("open", "close"):
                    errors[f"{key}.{name}"] = "unknown field"
            bounds = []
            for name in ("open", "close"):
                try:
                    if entry.get(name) is None:
                        raise ValueError("required")
                    bounds.append(_minutes(entry[name], closing=name == "close"))
                except ValueError as exc:
                    errors[f"{key}.{name}"] = str(exc)
            if len(bounds) != 2:
                continue
            opens, closes = bounds
            if opens == closes:
                errors[f"{key}.close"] = "must differ from the opening time " \
                                         "(00:00-24:00 is the whole day)"
                continue
            intervals.append((weekday, opens, closes))
            names.append(key)
    if not errors:
        # pieces on one week (an interval passing Sunday midnight wraps to Monday)
        pieces = []
        for index, interval in enumerate(intervals):
            start, end = _span(interval)
            pieces.append((start, min(end, WEEK), index))
            if end > WEEK:
                pieces.append((0, end - WEEK, index))
        pieces.sort()
        reach, owner = -1, -1
        for start, end, index in pieces:
            if owner >= 0 and start < reach and owner != index:
                later, other = max(owner, index), min(owner, index)
                errors.setdefault(f"{names[later]}.open", f"overlaps {names[other]}")
            if end > reach:
                reach, owner = end, index
    if errors:
        raise ValidationError("Invalid business hours: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return sorted(intervals)


def is_open(intervals: Iterable[Interval], local: dt.datetime) -> bool:
    """Whether a restaurant with these hours is open at ``local`` (its own time)."""
    moment = local.weekday() * DAY + local.hour * 60 + local.minute
    for interval in intervals:
        start, end = _span(interval)
        if start <= moment < end or start <= moment + WEEK < end:
            return True
    return False


def week_of(intervals: Iterable[Interval]) -> dict[str, list[dict[str, str]]]:
    week: dict[str, list[dict[str, str]]] = {day: [] for day in WEEKDAYS}
    for weekday, opens, closes in sorted(intervals):
        week[WEEKDAYS[weekday]].append({"open": clock(opens), "close": clock(closes)})
    return week


def dump_week(intervals: Iterable[Interval]) -> str | None:
    """The stored form: JSON ``[[weekday, open, close], ...]`` (None: no hours)."""
    intervals = sorted(intervals)
    return json.dumps([list(i) for i in intervals], separators=(",", ":")) if intervals else None


def load_week(stored: Any) -> list[Interval]:
    """The stored form back; what the model did not write itself reads as no hours."""
    try:
        rows = json.loads(stored) if isinstance(stored, str) and stored else []
        return sorted((int(w), int(o), int(c)) for w, o, c in rows
                      if 0 <= w < 7 and 0 <= o < DAY and 0 <= c <= DAY and o != c)
    except (ValueError, TypeError):
        return []


class BusinessHoursCompany:
    """``res.company.get_business_hours`` / ``set_business_hours``, and a valid ``tz``."""

    @classmethod
    def _check_tz(cls, vals: Any) -> None:
        if isinstance(vals, dict) and vals.get("tz") and not valid_timezone(vals["tz"]):
            raise ValidationError(f"Unknown time zone {vals['tz']!r}: use an IANA name such as "
                                  "Europe/Rome.", field_errors={"tz": "Unknown time zone"})

    @classmethod
    async def create_records(cls, env: "Env", vals_list: Any) -> Any:
        for vals in vals_list if isinstance(vals_list, (list, tuple)) else [vals_list]:
            cls._check_tz(vals)
        return await super().create_records(env, vals_list)  # type: ignore[misc]

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        cls._check_tz(vals)
        return await super().write(env, ids, vals)  # type: ignore[misc]

    @public("records", readonly=True)
    async def get_business_hours(cls, env: "Env", ids: Any) -> dict[str, Any]:
        """The week of one restaurant: ``{timezone, refuse_orders_outside_hours, hours}``."""
        ids = check_ids(ids)
        if len(ids) != 1:
            raise ValueError("Expected singleton: business hours are one restaurant's")
        security.check_access(env, cls, security.READ)
        (company_id,) = await cls._ensure_visible(env, ids, security.READ)
        row = await env.cr.first(cls.select(cls.tz, cls.refuse_orders_outside_hours,
                                            cls.business_hours).where(cls.id == company_id))
        return {"timezone": row[0] or "UTC", "refuse_orders_outside_hours": bool(row[1]),
                "hours": week_of(load_week(row[2]))}

    @public("records")
    async def set_business_hours(cls, env: "Env", ids: Any, hours: Any,
                                 refuse_orders_outside_hours: Any = None) -> dict[str, Any]:
        """Replace the week of one restaurant (and set the refusal flag when given).

        Refusing orders needs at least one opening interval: else every order
        would be refused, which no restaurant wants."""
        ids = check_ids(ids)
        if len(ids) != 1:
            raise ValueError("Expected singleton: business hours are one restaurant's")
        security.check_access(env, cls, security.WRITE)
        (company_id,) = await cls._ensure_visible(env, ids)
        intervals = parse_week(hours)
        refuse = refuse_orders_outside_hours
        if refuse is not None and not isinstance(refuse, bool):
            raise ValidationError("Invalid business hours", field_errors={
                "refuse_orders_outside_hours": "must be a boolean"})
        if refuse is None:
            row = await env.cr.first(cls.select(cls.refuse_orders_outside_hours)
                                     .where(cls.id == company_id))
            refuse = bool(row and row[0])
        if refuse and not intervals:
            raise ValidationError("Orders cannot be refused outside business hours when there "
                                  "are none", field_errors={
                                      "refuse_orders_outside_hours":
                                          "needs at least one opening interval"})
        # both fields are read-only for clients: only this method keeps them consistent
        await env.sudo()[cls._name].write([company_id], {
            "business_hours": dump_week(intervals), "refuse_orders_outside_hours": refuse})
        return await cls.get_business_hours(env, [company_id])


async def check_open_for_orders(env: "Env", company_id: int,
                                moment: dt.datetime | None = None) -> None:
    """Refuse a new order of a restaurant that is closed now, if it says so."""
    Company = env.registry["res.company"]
    row = await env.cr.first(Company.select(Company.refuse_orders_outside_hours, Company.tz,
                                            Company.name, Company.business_hours)
                             .where(Company.id == company_id))
    if not row or not row[0]:
        return
    local = (moment or dt.datetime.now(dt.timezone.utc)).astimezone(zone(row[1]))
    if not is_open(load_week(row[3]), local):
        raise OutsideBusinessHours(
            f"{row[2]} is closed now ({WEEKDAYS[local.weekday()].capitalize()} "
            f"{local:%H:%M}, {row[1] or 'UTC'}): it takes orders during its business hours "
            "only.")
