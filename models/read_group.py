"""``read_group``: Odoo 17's grouped reads, one SQL ``GROUP BY`` per call.

Odoo 17 (``odoo/models.py`` ``read_group`` over ``_read_group``) is the
reference; the recorded Odoo 16 answers in ``odoo-golden`` have the same
shape. What a caller sends is checked against the model's fields *before*
any SQL exists: group specs, aggregate specs and order terms are matched by
strict regular expressions and resolved to field objects, so nothing a
client writes is ever pasted into SQL. The only SQL text written here is
constant (date-bucket templates, ``COALESCE``) and chosen per dialect.

Choices, and why:

* Date buckets are computed by the database (``strftime``/``date`` on
  SQLite, ``date_trunc``/``to_char`` on PostgreSQL) and both return the
  bucket start as text ``YYYY-MM-DD`` (``YYYY-MM-DD HH:00:00`` for hours),
  so grouping, ordering and the Python post-processing are identical on
  both backends.
* Weeks follow Odoo 17 with the ``en_US`` language (the only one the
  gateway serves): they start on **Sunday** (``res.lang.week_start`` 7) and
  are labelled with Odoo's ``date_utils.weeknumber`` for babel's ``en_US``
  locale (week 1 is the week holding January 1st). Labels are English, as
  babel formats them for ``en_US``.
* Datetimes are bucketed in **UTC**; ``context.tz`` is ignored (SQLite has
  no time-zone database, and both backends must agree). Odoo does the same
  when the context carries no ``tz``, as in the recorded answers.
* ``array_agg`` is collected by a second query ordered by id rather than
  in SQL: SQLite before 3.44 cannot order inside an aggregate, and the
  values then come back in one format on both backends.
* Aggregates and orders are restricted to the column types the function
  accepts on both databases (no ``SUM`` of text, no ``MAX`` of booleans), so
  a bad request is a ``ValueError`` rather than a database error.
* Groups are ordered by the requested ``orderby``, then by every groupby
  value, so ``limit``/``offset`` pages are stable; Odoo leaves ties to the
  database.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field as dc_field
from typing import TYPE_CHECKING, Any

from peewee import JOIN, SQL, NodeList, fn

from . import fields as F
from . import security
from .api import public
from .domain.compile import TRUE
from .order import parse_order

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

GRANULARITIES = ("hour", "day", "week", "month", "quarter", "year")
AGGREGATES = ("sum", "avg", "max", "min", "count", "count_distinct", "bool_and", "bool_or",
              "array_agg")
NUMERIC_TYPES = ("integer", "float", "monetary")

_GROUPBY_SPEC = re.compile(r"([A-Za-z0-9_]+)(?::([A-Za-z0-9_]+))?")
_FIELD_SPEC = re.compile(r"([A-Za-z0-9_]+)(?::([A-Za-z0-9_]+)(?:\(([A-Za-z0-9_]+)\))?)?")
_ORDER_TERM = re.compile(
    r"\s*(?P<field>[a-z0-9_]+|\"[a-z0-9_]+\")(?::(?P<func>[a-z_]+))?"
    r"(?:\s+(?P<direction>desc|asc))?(?:\s+(?P<nulls>nulls\s+first|nulls\s+last))?\s*",
    re.IGNORECASE)

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


# ---------------------------------------------------------------------------
# The request, resolved against the model
# ---------------------------------------------------------------------------

@dataclass
class GroupBy:
    spec: str                 # the key in the result, as the caller wrote it
    name: str                 # the field name
    field: Any
    granularity: str | None   # date/datetime only ('month' when not given)
    expr: Any = None          # the SQL expression of the group value

    @property
    def annotated(self) -> str:
        return f"{self.name}:{self.granularity}" if self.granularity else self.name


@dataclass
class Aggregate:
    key: str                  # the key in the result
    name: str | None          # the field name (None for the record count)
    field: Any
    func: str                 # one of AGGREGATES, or '__count'

    @property
    def annotated(self) -> str:
        return "__count" if self.func == "__count" else f"{self.name}:{self.func}"


@dataclass
class Request:
    groupby: list[str]
    lazy_groupby: list[GroupBy]
    aggregates: list[Aggregate] = dc_field(default_factory=list)


def _invalid_field(model: Any, name: str) -> ValueError:
    return ValueError(f"Invalid field {name!r} on model {model._name!r}")


def _groupbys(model: Any, env: "Env", specs: list[str]) -> list[GroupBy]:
    result = []
    for spec in specs:
        match = _GROUPBY_SPEC.fullmatch(spec)
        if not match:
            raise ValueError(f"Invalid read_group spec {spec!r}")
        name, granularity = match.groups()
        field = model._fields.get(name)
        if field is None:
            raise _invalid_field(model, name)
        if not field.is_column or isinstance(field, F.Binary):
            raise ValueError(f"Cannot group by field {model._name}.{name}: it is not a stored "
                             "groupable column")
        if isinstance(field, (F.Date, F.Datetime)):
            granularity = granularity or "month"
            if granularity not in GRANULARITIES:
                raise ValueError(f"Granularity specification isn't correct: {granularity!r}")
        elif granularity:
            raise ValueError(f"Granularity set on a no-datetime field: {spec!r}")
        group = GroupBy(spec, name, field, granularity)
        group.expr = _group_expr(env.dialect_kind, group)
        result.append(group)
    return result


def _aggregate(model: Any, key: str, name: str, func: str) -> Aggregate:
    """``name:func`` checked: a stored column and a function its type accepts."""
    field = model._fields.get(name)
    if field is None:
        raise ValueError(f"Invalid field {name!r} on model {model._name!r} for {name}:{func!r}.")
    if func not in AGGREGATES:
        raise ValueError(f"Invalid aggregate method {func!r} for {name}:{func!r}.")
    if not field.is_column:
        raise ValueError(f"Cannot aggregate field {model._name}.{name}: it is not stored.")
    ttype = field.ttype
    allowed = {
        "sum": ttype in NUMERIC_TYPES, "avg": ttype in NUMERIC_TYPES,
        "max": ttype not in ("boolean", "binary"), "min": ttype not in ("boolean", "binary"),
        "bool_and": ttype == "boolean", "bool_or": ttype == "boolean",
    }.get(func, ttype != "binary")
    if not allowed:
        raise ValueError(f"Aggregate method {func!r} cannot apply to the {ttype} field "
                         f"{model._name}.{name}.")
    return Aggregate(key, name, field, func)


def _aggregates(model: Any, fields: list[Any], count_key: str,
                groupby_specs: list[str]) -> list[Aggregate]:
    """``fields`` -> aggregates, keyed as Odoo keys them in the answer."""
    result = {count_key: Aggregate(count_key, None, None, "__count")}
    for spec in fields:
        if spec == "__count":
            continue
        match = _FIELD_SPEC.fullmatch(spec) if isinstance(spec, str) else None
        if not match:
            raise ValueError(f"Invalid field specification {spec!r}.")
        name, func, fname = match.groups()
        if fname:                       # 'alias:func(field)'
            result[name] = _aggregate(model, name, fname, func)
        elif func:                      # 'field:func'
            result[name] = _aggregate(model, name, name, func)
        else:                           # 'field': its group operator, if any
            field = model._fields.get(name)
            if field is None:
                raise _invalid_field(model, name)
            operator = field.description().get("group_operator") if field.is_column else None
            if operator and spec not in groupby_specs:
                result[name] = _aggregate(model, name, name, operator)
    return list(result.values())


def parse_request(model: Any, env: "Env", fields: Any, groupby: Any, lazy: Any) -> Request:
    if isinstance(groupby, str):
        groupby = [groupby]
    if groupby is None or groupby is False:
        groupby = []
    if not isinstance(groupby, (list, tuple)) or not all(isinstance(g, str) for g in groupby):
        raise ValueError(f"Invalid groupby {groupby!r}")
    groupby = list(dict.fromkeys(groupby))
    if fields is None or fields is False:
        fields = []
    if not isinstance(fields, (list, tuple)):
        raise ValueError(f"Invalid fields {fields!r}")
    lazy_specs = groupby[:1] if lazy else groupby
    request = Request(groupby, _groupbys(model, env, lazy_specs))
    count_key = (f"{lazy_specs[0].split(':')[0]}_count" if lazy and len(lazy_specs) == 1
                 else "__count")
    request.aggregates = _aggregates(model, list(fields), count_key, lazy_specs)
    return request


# ---------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------

def _wrap(before: str, node: Any, after: str) -> Any:
    return NodeList((SQL(before), node, SQL(after)), glue="")


def _group_expr(kind: str, group: GroupBy) -> Any:
    """The SQL of a group value; constant SQL text only, no parameters.

    No parameters, because PostgreSQL matches a GROUP BY expression against
    the SELECT one textually: ``$1`` and ``$2`` never match, even when equal.
    """
    col = group.field
    if isinstance(col, F.Boolean):
        return _wrap("COALESCE(", col, ", FALSE)")      # NULL is a False group, as in Odoo
    if not group.granularity:
        return col
    granularity = group.granularity
    if kind == "postgresql":
        stamp = _wrap("CAST(", col, " AS TIMESTAMP)")
        if granularity == "week":   # Sunday-based weeks: shift into ISO (Monday) weeks and back
            start = _wrap("(date_trunc('week', ", stamp, " + INTERVAL '1 day') - INTERVAL '1 day')")
        else:
            start = _wrap(f"date_trunc('{granularity}', ", stamp, ")")
        pattern = "YYYY-MM-DD HH24:MI:SS" if granularity == "hour" else "YYYY-MM-DD"
        return _wrap("to_char(", start, f", '{pattern}')")
    if granularity == "quarter":
        months_back = _wrap("printf('-%d months', (CAST(strftime('%m', ", col,
                            ") AS INTEGER) - 1) % 3)")
        return NodeList((SQL("date("), col, SQL(", 'start of month', "), months_back, SQL(")")),
                        glue="")
    before, after = {
        "hour": ("strftime('%Y-%m-%d %H:00:00', ", ")"),
        "day": ("date(", ")"),
        "week": ("date(", ", '-6 days', 'weekday 0')"),     # the Sunday on or before
        "month": ("strftime('%Y-%m-01', ", ")"),
        "year": ("strftime('%Y-01-01', ", ")"),
    }[granularity]
    return _wrap(before, col, after)


def _aggregate_expr(kind: str, aggregate: Aggregate) -> Any:
    col = aggregate.field
    func = aggregate.func
    if func == "__count":
        return fn.COUNT(SQL("*"))
    if func == "count_distinct":
        return fn.COUNT(NodeList((SQL("DISTINCT"), col)))
    if func in ("bool_and", "bool_or"):
        if kind == "postgresql":
            return fn.BOOL_AND(col) if func == "bool_and" else fn.BOOL_OR(col)
        return fn.MIN(col) if func == "bool_and" else fn.MAX(col)
    if func == "array_agg":
        return SQL("NULL")          # filled in by a second query (see module docstring)
    return getattr(fn, func.upper())(col)


def _order_nodes(model: Any, env: "Env", request: Request, orderby: Any,
                 query: Any) -> tuple[list[Any], list[Any], Any]:
    """ORDER BY nodes, extra GROUP BY nodes (many2one orders), and the joined query."""
    groups = {group.annotated: group for group in request.lazy_groupby}
    nodes: list[Any] = []
    extra_group: list[Any] = []
    used: set[str] = set()
    if orderby:
        if not isinstance(orderby, str):
            raise ValueError(f"Invalid order {orderby!r} for read_group()")
        # Odoo's rewrite of result keys into specs: the last groupby of a field wins,
        # then the aggregates ('date_order_count' -> '__count', 'total' -> 'amount_total:sum').
        keys: dict[str, str] = {}
        for item in [*reversed(request.lazy_groupby), *request.aggregates]:
            keys.setdefault(item.spec.split(":")[0] if isinstance(item, GroupBy) else item.key,
                            item.annotated)
        for piece in orderby.split(","):
            match = _ORDER_TERM.fullmatch(piece)
            if not match:
                raise ValueError(f"Invalid order {orderby!r} for read_group()")
            name = match["field"].strip('"')
            term = f"{name}:{match['func']}" if match["func"] else keys.get(name, name)
            descending = (match["direction"] or "asc").lower() == "desc"
            nulls = match["nulls"].split()[-1].upper() if match["nulls"] else None
            if term in groups:
                used.add(term)
                group = groups[term]
                if isinstance(group.field, F.Many2oneColumn):
                    sub, query = _many2one_order(model, env, group, descending, nulls, query)
                    nodes += sub
                    extra_group += [node.node for node in sub]
                    continue
                nodes.append(_direction(group.expr, descending, nulls))
            elif term == "__count":
                nodes.append(_direction(fn.COUNT(SQL("*")), descending, nulls))
            elif match["func"] or ":" in term:
                fname, func = term.split(":")
                aggregate = _aggregate(model, term, fname, func)
                if func == "array_agg":
                    raise ValueError(f"Order term {piece.strip()!r} cannot order by an array")
                nodes.append(_direction(_aggregate_expr(env.dialect_kind, aggregate),
                                        descending, nulls))
            else:
                raise ValueError(f"Order term {piece.strip()!r} is not a valid aggregate nor "
                                 "valid groupby")
    for group in request.lazy_groupby:          # then every group value: stable pages
        if group.annotated not in used:
            nodes.append(_direction(group.expr, False, None))
    return nodes, extra_group, query


def _direction(node: Any, descending: bool, nulls: str | None) -> Any:
    nulls = nulls or ("FIRST" if descending else "LAST")   # PostgreSQL's defaults, on both
    return node.desc(nulls=nulls) if descending else node.asc(nulls=nulls)


def _many2one_order(model: Any, env: "Env", group: GroupBy, descending: bool,
                    nulls: str | None, query: Any) -> tuple[list[Any], Any]:
    """Order a many2one group by its comodel's ``_order``, as Odoo does when asked to."""
    comodel = env.registry[group.field.comodel_name]
    if comodel._order == "id":
        return [_direction(group.expr, descending, nulls)], query
    alias = comodel.alias(f"g_{group.name}")
    query = query.join_from(model, alias, JOIN.LEFT_OUTER, on=(alias.id == group.field))
    nodes = []
    for term in parse_order(comodel._order):
        sub = comodel._fields.get(term.field)
        if sub is None or not sub.is_column or isinstance(sub, F.Many2oneColumn):
            continue
        nodes.append(_direction(getattr(alias, term.field), term.descending != descending,
                                nulls))
    nodes.append(_direction(group.expr, descending, nulls))
    return nodes, query


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1, day=1)


def week_number(day: dt.date) -> tuple[int, int]:
    """Odoo's ``date_utils.weeknumber`` for babel's en_US (weeks from Sunday, min 1 day).

    The week holding January 1st is week 1, and the last days of December
    that fall in it belong to the next year.
    """
    def sunday_on_or_before(value: dt.date) -> dt.date:
        return value - dt.timedelta(days=value.isoweekday() % 7)

    if day >= sunday_on_or_before(dt.date(day.year + 1, 1, 1)):
        return day.year + 1, 1
    return day.year, (day - sunday_on_or_before(dt.date(day.year, 1, 1))).days // 7 + 1


def date_group(raw: str, granularity: str, is_datetime: bool) -> tuple[str, dict[str, str]]:
    """A bucket start from the database -> (Odoo's label, its ``{'from', 'to'}`` range)."""
    start = dt.datetime.strptime(raw[:19], "%Y-%m-%d %H:%M:%S") if len(raw) >= 19 else \
        dt.datetime.strptime(raw[:10], "%Y-%m-%d")
    day = start.date()
    if granularity == "hour":
        end = start + dt.timedelta(hours=1)
        label = f"{(start.hour % 12) or 12:02d}:00 {day.day:02d} {MONTHS[day.month - 1][:3]}"
    elif granularity == "day":
        end = start + dt.timedelta(days=1)
        label = f"{day.day:02d} {MONTHS[day.month - 1][:3]} {day.year:04d}"
    elif granularity == "week":
        end = start + dt.timedelta(days=7)
        year, week = week_number(day)
        label = f"W{week} {year:04d}"
    elif granularity == "month":
        end = dt.datetime.combine(_add_months(day, 1), dt.time())
        label = f"{MONTHS[day.month - 1]} {day.year:04d}"
    elif granularity == "quarter":
        end = dt.datetime.combine(_add_months(day, 3), dt.time())
        label = f"Q{(day.month - 1) // 3 + 1} {day.year:04d}"
    else:
        end = dt.datetime.combine(_add_months(day, 12), dt.time())
        label = f"{day.year:04d}"
    fmt = F.DATETIME_FORMAT if is_datetime else F.DATE_FORMAT
    return label, {"from": start.strftime(fmt), "to": end.strftime(fmt)}


def _aggregate_value(aggregate: Aggregate, raw: Any) -> Any:
    func = aggregate.func
    if func in ("__count", "count", "count_distinct"):
        return int(raw or 0)
    if raw is None:
        return False                  # Odoo's empty value for sum/avg/max/min/bool_*
    if func in ("bool_and", "bool_or"):
        return bool(raw)
    ttype = aggregate.field.ttype
    if func == "avg" or ttype in ("float", "monetary"):
        return float(raw)
    if ttype in ("integer", "many2one"):
        return int(raw)
    return raw


def _array_value(field: Any, raw: Any) -> Any:
    if raw is None:
        return None
    if field.ttype == "boolean":
        return bool(raw)
    if field.ttype in ("float", "monetary"):
        return float(raw)
    return raw


def AND(domains: list[list[Any]]) -> list[Any]:
    """Odoo's ``expression.AND``: leaves kept as given, implicit '&' made explicit."""
    result: list[Any] = []
    count = 0
    for domain in domains:
        if not domain or [list(t) if isinstance(t, (list, tuple)) else t
                          for t in domain] == [[1, "=", 1]]:
            continue
        result += _normalize(domain)
        count += 1
    return ["&"] * (count - 1) + result or [[1, "=", 1]]


def _normalize(domain: list[Any]) -> list[Any]:
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, (list, tuple)):
            expected -= 1
        else:
            expected += {"!": 1, "&": 2, "|": 2}.get(token, 1) - 1
        result.append(token)
    return result


# ---------------------------------------------------------------------------
# The method
# ---------------------------------------------------------------------------

def _check_limit(value: Any, name: str) -> int | None:
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"Invalid {name} {value!r}")
    return value


class ReadGroupMixin:
    """``read_group`` for every model (mixed into ``BaseModel``)."""

    @public("model", readonly=True)
    async def read_group(cls, env: "Env", domain: Any, fields: Any, groupby: Any,
                         offset: Any = 0, limit: Any = None, orderby: Any = False,
                         lazy: Any = True) -> list[dict[str, Any]]:
        security.check_access(env, cls, security.READ)
        request = parse_request(cls, env, fields, groupby, lazy)
        limit, offset = _check_limit(limit, "limit"), _check_limit(offset, "offset") or 0
        kind = env.dialect_kind
        groups = request.lazy_groupby
        columns = [g.expr for g in groups] + [_aggregate_expr(kind, a) for a in request.aggregates]
        query = cls.select(*columns)
        where = cls._where(env, domain or [])
        if where is not TRUE:
            query = query.where(where)
        nodes, extra_group, query = _order_nodes(cls, env, request, orderby, query)
        if groups:
            query = query.group_by(*[g.expr for g in groups], *extra_group)
        query = query.order_by(*nodes)
        if limit:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        rows = [tuple(row) for row in await env.cr.rows(query)]
        arrays = await cls._read_group_arrays(env, request, where, rows)
        names = await cls._read_group_names(env, request, rows)
        return [cls._read_group_row(request, domain or [], row, names, arrays) for row in rows]

    @classmethod
    async def _read_group_arrays(cls, env: "Env", request: Request, where: Any,
                                 rows: list[tuple]) -> dict[str, dict[tuple, list[Any]]]:
        """``array_agg`` values per group key, in id order (one query for all of them)."""
        wanted = [a for a in request.aggregates if a.func == "array_agg"]
        if not wanted or not rows:
            return {}
        width = len(request.lazy_groupby)
        query = cls.select(*[g.expr for g in request.lazy_groupby], *[a.field for a in wanted])
        if where is not TRUE:
            query = query.where(where)
        result: dict[str, dict[tuple, list[Any]]] = {a.key: {} for a in wanted}
        for row in await env.cr.rows(query.order_by(cls.id)):
            key = tuple(row[:width])
            for index, aggregate in enumerate(wanted):
                result[aggregate.key].setdefault(key, []).append(
                    _array_value(aggregate.field, row[width + index]))
        return result

    @classmethod
    async def _read_group_names(cls, env: "Env", request: Request,
                                rows: list[tuple]) -> dict[str, dict[int, str]]:
        """Display names of many2one group values, read as superuser, as Odoo does."""
        names: dict[str, dict[int, str]] = {}
        for index, group in enumerate(request.lazy_groupby):
            if not isinstance(group.field, F.Many2oneColumn):
                continue
            ids = list(dict.fromkeys(row[index] for row in rows if row[index] is not None))
            comodel = env.registry[group.field.comodel_name]
            records = await comodel.read(env.sudo(), ids, ["display_name"]) if ids else []
            names[group.spec] = {r["id"]: r["display_name"] for r in records}
        return names

    @classmethod
    def _read_group_row(cls, request: Request, domain: Any, row: tuple,
                        names: dict[str, dict[int, str]],
                        arrays: dict[str, dict[tuple, list[Any]]]) -> dict[str, Any]:
        groups = request.lazy_groupby
        result: dict[str, Any] = {}
        ranges: dict[str, Any] = {}
        sections: list[Any] = [domain]
        for index, group in enumerate(groups):
            raw = row[index]
            value: Any = False if raw is None else raw
            condition: list[Any] = [[group.name, "=", value]]
            if isinstance(group.field, F.Many2oneColumn) and raw is not None:
                value = [raw, names[group.spec].get(raw, False)]
            elif isinstance(group.field, F.Boolean):
                value = condition[0][2] = bool(raw)
            elif isinstance(group.field, F.Float) and raw is not None:
                value = condition[0][2] = float(raw)
            elif group.granularity:
                if raw is None:
                    ranges[group.spec] = False
                else:
                    value, span = date_group(raw, group.granularity,
                                             isinstance(group.field, F.Datetime))
                    ranges[group.spec] = span
                    condition = ["&", [group.name, ">=", span["from"]],
                                 [group.name, "<", span["to"]]]
            result[group.spec] = value
            sections.append(condition)
        key = row[:len(groups)]
        for index, aggregate in enumerate(request.aggregates, start=len(groups)):
            if aggregate.func == "array_agg":
                result[aggregate.key] = arrays[aggregate.key].get(key, [])
            else:
                result[aggregate.key] = _aggregate_value(aggregate, row[index])
        result["__domain"] = AND(sections) if groups else domain
        if len(groups) < len(request.groupby):
            result["__context"] = {"group_by": request.groupby[len(groups):]}
        if ranges:
            result["__range"] = ranges
        return result
