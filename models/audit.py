"""``audit.log``: who changed what, written by the ORM in the transaction of the change.

Why in the ORM: every front's create, write and unlink, and business code
that changes records through the ORM (as superuser included), ends in
``_create_one``, ``write`` or ``unlink`` (models/base.py), so one hook there
covers them all, and a log row exists if and only if its change committed
(it is written in the change's transaction). A model opts in with ``_audit``: ``True`` audits
every stored field and many2many, a tuple of names audits those only
(``product.product`` audits its prices, not its description), and
``_audit_exclude`` names fields left out of ``True`` (see below).

A row holds the author (``env.uid``: the real user, also when a business
method writes as superuser), the UTC time, the model, the record id, the
operation, and the old and new values of the fields that changed, as JSON
(``create``: new values only; ``unlink``: old values only; many2many as
sorted id lists; money as numbers). ``company_id`` is the record's
restaurant (a company is its own), which the record rule reads.

Secrets never reach the log: password and key hashes are private columns
that models do not even list as fields, a password given to ``res.users``
is hashed outside ``write`` (and never stored clear), and fields named like
secrets are dropped whatever a model declares.

Raw SQL. Business code that changes rows with peewee queries (``cls.insert``,
``cls.update``, ``cls.delete``) rather than through the ORM logs them itself,
in the same transaction, with values it already holds, so that the hot paths
(orders sent by a point of sale) pay one INSERT and no extra SELECT::

    await env.cr.run(cls.update(changes).where(cls.id == order_id))
    await env["audit.log"]._log_changes(cls, [(order_id, company_id, old, changes)])

``_log_created(cls, [(new_id, columns)])`` after raw INSERTs (many2many as id
lists), ``_log_changes`` after raw UPDATEs whose old values the code read
anyway (values keyed by field name or by peewee field; unaudited and
unchanged fields are dropped), ``_log_unlink(cls, ids)`` or
``_log_deleted(cls, condition)`` (which answers the ids) before a raw DELETE.
Code without the old values at hand reads them first with ``_snapshot``
and logs with ``_log_write``, as ``write`` does. On a model without
``_audit`` all of them do nothing. An order, its lines and payments
(models/pos_order*.py) and a session's states, cash counts and closing
(models/pos_session.py) are all logged this way.

Batches. A business operation makes several changes to the same records
(an order sent by a POS: the order, its lines and payments are inserted,
then its totals computed, then it is paid). Inside ``async with
batch(env)`` (or a method decorated with :func:`batched`) the entries of
every hook above and of the ORM are collected and written with one INSERT
when the outermost batch ends, one entry per record and operation: a
record created and then changed in the operation gets one ``create``
entry with its final values (what anybody could ever see of it), changes
to a record are merged into one ``write`` entry (first old value, last new
value; a field changed back drops out). Nothing is written if the
operation fails: its transaction rolls back anyway.

Not logged:

* rows the database deletes by cascade (the lines of a deleted order);
* the kitchen's progress (``kitchen_status`` of orders and lines, listed in
  their ``_audit_exclude``): it moves at every tap of a kitchen screen,
  several times per dish, changes nothing that was sold, paid or counted,
  and is already announced on the bus (``kitchen_update``); logging it
  would multiply the rows of a service and bury the changes an audit is
  read for (prices, payments, cancellations, cash counts);
* what mirrors a logged change: ``pos.config.current_session_id`` and
  ``current_session_state`` (the session's own state change is logged),
  a session's private ``open_config_id``.

The log is read-only for everyone: no group holds write, create or delete
rights on it, and its ``create``/``write``/``unlink`` refuse even the
administrator, who holds every right on every other model.
"""
from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field as dataclass_field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, TypeVar

import orjson

from . import fields as F
from . import security
from .api import public
from .base import MAGIC_FIELDS, BaseModel, now_utc
from .exceptions import AccessError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

OPERATIONS = [("create", "Create"), ("write", "Write"), ("unlink", "Delete")]
#: Never logged, whatever a model's ``_audit`` says.
SECRET_NAMES = frozenset({"password", "password_hash", "key", "api_key", "secret", "token"})
READ_ONLY = "The audit log is read-only: its entries cannot be created, changed or deleted."
#: Rows per INSERT of log entries (12 parameters each: far below either backend's limit).
CHUNK = 500

_audited: dict[type, dict[str, Any]] = {}


def audited_fields(model: Any) -> dict[str, Any]:
    """{name: field} of what ``model._audit`` asks for (columns and many2many only)."""
    fields = _audited.get(model)
    if fields is None:
        spec = model._audit
        names = list(model._fields) if spec is True else list(spec or ())
        excluded = set(getattr(model, "_audit_exclude", ()))
        fields = {}
        for name in names:
            field = model._fields[name]     # a misspelt name fails at the first change
            if name in MAGIC_FIELDS or name in ("id", "display_name") or name in SECRET_NAMES \
                    or name in excluded:
                continue
            if field.is_column or isinstance(field, F.Many2many):
                fields[name] = field
        _audited[model] = fields
    return fields


def _company_column(model: Any) -> Any:
    """The column naming a record's restaurant: ``company_id``, or a company's own id."""
    if model._name == "res.company":
        return model.id
    field = model._fields.get("company_id")
    return field if field is not None and field.is_column else None


def plain(field: Any, value: Any) -> Any:
    """A stored or written value -> its JSON form, equal on both backends."""
    if isinstance(field, F.Boolean):
        return bool(value)
    if value is None:
        return None
    if isinstance(field, F.Many2many):
        return sorted(value)
    if isinstance(field, F.Float):
        amount = Decimal(str(value))
        if field.digits:    # as NUMERIC(p, s) stores it
            amount = amount.quantize(Decimal(1).scaleb(-field.digits[1]), ROUND_HALF_UP)
        return float(amount)
    if isinstance(field, (F.Integer, F.Many2oneColumn)):
        return int(value)
    if isinstance(field, F.Binary):
        return f"<{len(value)} bytes>"
    return str(value)


_STATEMENTS: dict[tuple, str] = {}


def _statement(env: "Env", key: tuple, build: Any) -> str:
    """SQL text of a statement that only varies by its shape (``key``), rendered by
    peewee once per dialect: rendering costs about as much as running it on SQLite,
    and every audited change runs two of them."""
    key = (env.dialect_kind, *key)
    sql = _STATEMENTS.get(key)
    if sql is None:
        if len(_STATEMENTS) > 4096:
            _STATEMENTS.clear()
        sql = _STATEMENTS[key] = env.cr.sql(build())[0]
    return sql


def by_name(columns: dict[Any, Any]) -> dict[str, Any]:
    """Column values keyed by field name, whether keyed by name or by peewee field
    (business code writing with raw peewee queries keys them by field)."""
    return {getattr(key, "name", key): value for key, value in columns.items()}


def _created(fields: dict[str, Any], columns: dict[str, Any]) -> dict[str, Any]:
    """The audited values a record is created with (unset ones left out)."""
    return {name: plain(field, columns[name]) for name, field in fields.items()
            if name in columns and columns[name] is not None}


def _json(values: dict[str, Any] | None) -> str | None:
    return None if values is None else orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()


@dataclass
class Entry:
    """One log row to be written: values as JSON-ready dicts (see :func:`plain`)."""

    model: str
    res_id: int
    operation: str
    company: Any
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    uid: int
    stamp: str | None                     # the record's write_date, if the change set it


@dataclass
class Batch:
    """The entries of one business operation, one per record and operation (see the
    module docstring), in the order their records were first changed."""

    entries: list[Entry] = dataclass_field(default_factory=list)
    latest: dict[tuple[str, int], Entry] = dataclass_field(default_factory=dict)

    def add(self, entry: Entry) -> None:
        key = (entry.model, entry.res_id)
        previous = self.latest.get(key)
        if previous is None or entry.operation != "write" or previous.operation == "unlink" \
                or previous.uid != entry.uid:
            self.latest[key] = entry
            self.entries.append(entry)
            return
        assert previous.new is not None and entry.new is not None and entry.old is not None
        if previous.operation == "create":      # what the record looks like once created
            for name, value in entry.new.items():
                if value is None:
                    previous.new.pop(name, None)
                else:
                    previous.new[name] = value
        else:
            assert previous.old is not None
            for name, value in entry.new.items():
                previous.old.setdefault(name, entry.old[name])
                previous.new[name] = value
                if previous.old[name] == value:     # changed back: no change at all
                    del previous.old[name], previous.new[name]
        previous.company = entry.company
        previous.stamp = entry.stamp or previous.stamp


@contextlib.asynccontextmanager
async def batch(env: "Env") -> AsyncIterator[None]:
    """Collect the log entries of what runs inside (the ORM's and raw SQL code's) and
    write them with one INSERT at the end; nested batches join the outermost one."""
    cr = env.cr
    if cr.audit_batch is not None:
        yield
        return
    cr.audit_batch = pending = Batch()
    try:
        yield
    finally:
        cr.audit_batch = None
    await AuditLog._write_entries(env, [entry for entry in pending.entries
                                        if entry.operation != "write" or entry.new])


Method = TypeVar("Method", bound=Callable[..., Any])


def batched(method: Method) -> Method:
    """A model method (``cls, env, ...``) run inside :func:`batch`."""
    @functools.wraps(method)
    async def run(cls: Any, env: "Env", *args: Any, **kwargs: Any) -> Any:
        async with batch(env):
            return await method(cls, env, *args, **kwargs)
    return run  # type: ignore[return-value]


@dataclass
class Snapshot:
    """Old values of the audited fields a write changes, read before the UPDATE."""

    names: list[str]                      # audited columns in the write
    many2many: list[str]                  # audited many2many in the write
    old: dict[int, dict[str, Any]]        # id -> {name: old value}
    companies: dict[int, Any]             # id -> company before the write


class AuditLog(BaseModel):
    _name = "audit.log"
    _description = "Audit Log"
    _order = "id desc"
    _display_name_depends = ("model", "res_id", "operation")

    user_id = F.Many2one("res.users", "Author", readonly=True, constraint=False)
    date = F.Datetime("Date", required=True, readonly=True, index=True)
    model = F.Char("Model", required=True, readonly=True)
    res_id = F.Integer("Record ID", readonly=True)
    operation = F.Selection(OPERATIONS, "Operation", required=True, readonly=True)
    old_values = F.Text("Old Values", readonly=True, help="JSON: the changed fields before")
    new_values = F.Text("New Values", readonly=True, help="JSON: the changed fields after")
    company_id = F.Many2one("res.company", "Restaurant", readonly=True, constraint=False)

    class Meta:
        indexes = ((("model", "res_id"), False),)

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        return f"{values.get('model')}({values.get('res_id')}) {values.get('operation')}"

    @classmethod
    def _record_rule(cls, env: "Env") -> list[Any]:
        """The managers of a restaurant (and its platform's owner, with the restaurant
        active) read its log; entries of shared records (no restaurant) are the
        administrators'."""
        rule: list[Any] = [("company_id", "in", list(env.companies))]
        if env.user is not None and env.user.has_group(security.SYSTEM):
            rule = ["|", ("company_id", "=", False), *rule]
        return rule

    # -- read-only for everyone ---------------------------------------------------------
    @public("create", name="create")
    async def create_records(cls, env: "Env", vals_list: Any) -> Any:
        raise AccessError(READ_ONLY)

    @public("records")
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        raise AccessError(READ_ONLY)

    @public("records")
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        raise AccessError(READ_ONLY)

    # -- the ORM's hooks (models/base.py) -------------------------------------------------
    @classmethod
    async def _insert(cls, env: "Env", model: Any, operation: str,
                      rows: list[tuple[int, Any, Any, Any]], stamp: str | None = None) -> None:
        """rows: (record id, company id, old values, new values); ``stamp``: the
        ``write_date`` the change wrote, so that the log and the record agree.
        Inside a :func:`batch`, the entries wait for its end."""
        if not rows:
            return
        entries = [Entry(model._name, res_id, operation, company, old, new, env.uid, stamp)
                   for res_id, company, old, new in rows]
        pending = env.cr.audit_batch
        if pending is None:
            await cls._write_entries(env, entries)
            return
        for entry in entries:
            pending.add(entry)

    @classmethod
    async def _write_entries(cls, env: "Env", entries: list[Entry]) -> None:
        columns = (cls.user_id, cls.date, cls.model, cls.res_id, cls.operation, cls.old_values,
                   cls.new_values, cls.company_id, cls.create_uid, cls.write_uid,
                   cls.create_date, cls.write_date)
        now = now_utc()
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start:start + CHUNK]
            sql = _statement(env, ("insert", len(chunk)), lambda: cls.insert_many(
                [(None,) * len(columns)] * len(chunk), fields=columns))
            params: list[Any] = []
            for entry in chunk:
                stamp, uid = entry.stamp or now, entry.uid
                params += (uid, stamp, entry.model, entry.res_id, entry.operation,
                           _json(entry.old), _json(entry.new), entry.company, uid, uid, stamp,
                           stamp)
            await env.cr.execute(sql, params)

    @classmethod
    async def _old_rows(cls, env: "Env", model: Any, names: list[str],
                        ids: list[int]) -> list[tuple]:
        """(id, *the named columns, the company) of ``ids``, as stored."""
        fields = audited_fields(model)
        company = _company_column(model)
        select = [model.id, *(fields[name] for name in names)]
        if company is not None:
            select.append(company)
        sql = _statement(env, ("old", model._name, tuple(names), len(ids)), lambda: model.select(
            *select).where(model.id.in_(list(range(len(ids))))))
        rows = await env.cr.fetchall(sql, list(ids))
        return [tuple(row) + ((None,) if company is None else ()) for row in rows]

    @classmethod
    async def _many2many(cls, env: "Env", model: Any, names: list[str],
                         ids: list[int]) -> dict[str, dict[int, list[int]]]:
        """Linked ids as stored, whatever the caller may see (a log is complete)."""
        fields = audited_fields(model)
        return {name: await model._x2many_values(env.sudo(), fields[name], ids)
                for name in names}

    @classmethod
    async def _log_create(cls, env: "Env", model: Any, record_id: int,
                          columns: dict[Any, Any], x2many: dict[str, Any]) -> None:
        fields = audited_fields(model)
        if not fields:
            return
        columns = by_name(columns)
        new = _created(fields, columns)
        linked = await cls._many2many(env, model, [n for n in x2many if n in fields],
                                      [record_id])
        new.update({name: sorted(values.get(record_id, [])) for name, values in linked.items()})
        company = record_id if model._name == "res.company" else columns.get("company_id")
        await cls._insert(env, model, "create", [(record_id, company, None, new)],
                          columns.get("write_date"))

    @classmethod
    async def _log_created(cls, env: "Env", model: Any,
                           rows: list[tuple[int, dict[Any, Any]]]) -> None:
        """After raw INSERTs: (new id, the values inserted, many2many as id lists). Nothing
        is read: the caller holds every value."""
        fields = audited_fields(model)
        if not fields or not rows:
            return
        entries = []
        stamp = None
        for record_id, values in rows:
            columns = by_name(values)
            company = record_id if model._name == "res.company" else columns.get("company_id")
            entries.append((record_id, company, None, _created(fields, columns)))
            stamp = columns.get("write_date") or stamp
        await cls._insert(env, model, "create", entries, stamp)

    @classmethod
    async def _log_changes(cls, env: "Env", model: Any,
                           rows: list[tuple[int, Any, dict[Any, Any], dict[Any, Any]]]) -> None:
        """After raw UPDATEs: (record id, its company, old values, new values), the old
        values as the caller read them before the UPDATE (it must hold every audited
        field it writes). Only audited fields that changed are logged; no read."""
        fields = audited_fields(model)
        if not fields or not rows:
            return
        entries = []
        stamp = None
        for record_id, company, before, after in rows:
            before, after = by_name(before), by_name(after)
            old: dict[str, Any] = {}
            new: dict[str, Any] = {}
            for name, value in after.items():
                field = fields.get(name)
                if field is None:
                    continue
                previous, current = plain(field, before[name]), plain(field, value)
                if previous != current:
                    old[name], new[name] = previous, current
            if new:
                entries.append((record_id, company, old, new))
                stamp = after.get("write_date") or stamp
        await cls._insert(env, model, "write", entries, stamp)

    @classmethod
    async def _snapshot(cls, env: "Env", model: Any, ids: list[int], columns: dict[str, Any],
                        x2many: dict[str, Any]) -> Snapshot | None:
        """Before an UPDATE: the old values of the audited fields it changes, one query
        for all ids (plus one per audited many2many). None: nothing audited changes."""
        fields = audited_fields(model)
        columns = by_name(columns)
        names = [name for name in columns if name in fields]
        many2many = [name for name in x2many if name in fields]
        if not names and not many2many:
            return None
        old: dict[int, dict[str, Any]] = {}
        companies: dict[int, Any] = {}
        for row in await cls._old_rows(env, model, names, ids):
            old[row[0]] = dict(zip(names, row[1:1 + len(names)]))
            companies[row[0]] = row[-1]
        for name, values in (await cls._many2many(env, model, many2many, ids)).items():
            for record_id in old:
                old[record_id][name] = values.get(record_id, [])
        return Snapshot(names, many2many, old, companies)

    @classmethod
    async def _log_write(cls, env: "Env", model: Any, ids: list[int], snapshot: Snapshot,
                         columns: dict[Any, Any]) -> None:
        fields = audited_fields(model)
        columns = by_name(columns)
        written = {name: plain(fields[name], columns[name]) for name in snapshot.names}
        linked = await cls._many2many(env, model, snapshot.many2many, ids)
        moved = "company_id" in columns and model._name != "res.company"
        rows = []
        for record_id in ids:
            before = snapshot.old.get(record_id)
            if before is None:
                continue
            old: dict[str, Any] = {}
            new: dict[str, Any] = {}
            for name in snapshot.names:
                previous = plain(fields[name], before[name])
                if previous != written[name]:
                    old[name], new[name] = previous, written[name]
            for name in snapshot.many2many:
                previous, current = sorted(before[name]), sorted(linked[name].get(record_id, []))
                if previous != current:
                    old[name], new[name] = previous, current
            if new or old:
                company = columns["company_id"] if moved else snapshot.companies[record_id]
                rows.append((record_id, company, old, new))
        await cls._insert(env, model, "write", rows, columns.get("write_date"))

    @classmethod
    async def _log_unlink(cls, env: "Env", model: Any, ids: list[int]) -> None:
        """Before a DELETE: every audited value of the records, as they were."""
        fields = audited_fields(model)
        if not fields or not ids:
            return
        names = [name for name, field in fields.items() if field.is_column]
        await cls._log_removed(env, model, names, await cls._old_rows(env, model, names, ids))

    @classmethod
    async def _log_deleted(cls, env: "Env", model: Any, condition: Any) -> list[int]:
        """Before a raw DELETE of the rows matching ``condition``: log them as
        ``_log_unlink`` does; answers their ids (none: nothing to delete)."""
        fields = audited_fields(model)
        names = [name for name, field in fields.items() if field.is_column]
        company = _company_column(model) if fields else None
        select = [model.id, *(fields[name] for name in names)]
        if company is not None:
            select.append(company)
        rows = [tuple(row) + ((None,) if company is None else ())
                for row in await env.cr.rows(model.select(*select).where(condition)
                                             .order_by(model.id))]
        if fields:
            await cls._log_removed(env, model, names, rows)
        return [row[0] for row in rows]

    @classmethod
    async def _log_removed(cls, env: "Env", model: Any, names: list[str],
                           rows: list[tuple]) -> None:
        """rows: (id, *the named columns, the company) of records about to be deleted."""
        if not rows:
            return
        fields = audited_fields(model)
        ids = [row[0] for row in rows]
        linked = await cls._many2many(env, model, [n for n in fields if n not in names], ids)
        entries = []
        for row in rows:
            old = {name: plain(fields[name], value)
                   for name, value in zip(names, row[1:1 + len(names)]) if value is not None}
            old.update({name: sorted(values.get(row[0], [])) for name, values in linked.items()})
            entries.append((row[0], row[-1], old, None))
        await cls._insert(env, model, "unlink", entries)
