"""A counter of changes to who may do what.

What access checks need about a user (groups, companies, a platform's
restaurants) and successful password checks are cached per process. Every
change that could alter them — a write to ``res.users``, ``res.groups``,
``res.company`` or ``res.users.apikeys``, from either side of a relation —
bumps this counter in the same transaction, and cache entries are keyed by
its value, read along with the session or the user's row. So a change made
through any worker applies to the next request everywhere, and a rolled-back
change bumps nothing. (A user's ``write_date`` cannot serve: it misses group
membership written from the group's side and two writes within one second.)

``local_changes()`` counts the bumps this process committed, so that caches
holding a value read earlier (the session cache) know to read it again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import peewee

if TYPE_CHECKING:  # pragma: no cover
    from .db import Cursor

#: The current value, as a column any statement can select (no parameters).
CURRENT = peewee.SQL("(SELECT value FROM access_version WHERE id = 1)")

_committed_here = 0


class AccessVersion(peewee.Model):
    id = peewee.IntegerField(primary_key=True)
    value = peewee.BigIntegerField()

    class Meta:
        table_name = "access_version"


def _note_commit() -> None:
    global _committed_here
    _committed_here += 1


def local_changes() -> int:
    return _committed_here


async def bump(cr: "Cursor") -> None:
    await cr.run(AccessVersion.update({AccessVersion.value: AccessVersion.value + 1})
                 .where(AccessVersion.id == 1))
    cr.after_commit(_note_commit)


async def ensure(cr: "Cursor") -> None:
    """The counter's row exists (base data)."""
    if await cr.first(AccessVersion.select(AccessVersion.id).where(AccessVersion.id == 1)) is None:
        await cr.run(AccessVersion.insert({AccessVersion.id: 1, AccessVersion.value: 1}))
