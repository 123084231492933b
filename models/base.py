"""The ORM: Odoo's model methods with Odoo 17's semantics, over peewee.

Every registered model inherits these methods, each with the argument list
Odoo clients send (``search(domain, offset, limit, order)``, ``read(ids,
fields, load)``, ...). They all go through the same three steps:

1. access: model rights for the operation (``security.check_access``);
2. SQL: peewee builds one query whose WHERE is the caller's domain, the
   ``active`` filter and the record rule, compiled by ``domain/compile.py``;
3. values: rows are shaped into Odoo's read format by a per-(fields, load)
   *read plan* whose row builder is generated once and cached, because this
   loop is the hot path of every ``search_read``.

Business models (``pos.order``...) extend these methods by overriding them
and calling ``super()``; they never bypass them to reach the database, so the
access rules hold whatever front the call came through.
"""
from __future__ import annotations

import datetime as dt
import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable

import peewee
from peewee import JOIN, fn

from . import access_version, security
from . import fields as F
from .api import public
from .domain.compile import TRUE, DomainCompiler, _and
from .domain.normalize import mentions_field
from .exceptions import MissingError, ValidationError
from .order import parse_order
from .read_group import ReadGroupMixin
from .web_methods import WebMethodsMixin
from .sql_cache import value_key

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

MAGIC_FIELDS = ("create_uid", "create_date", "write_uid", "write_date")
#: Ids are PostgreSQL serials (int4): larger ones cannot exist, and must not reach the driver.
MAX_ID = 2**31 - 1
#: LIMIT and OFFSET are bigints (clients send sys.maxsize for 'no limit').
MAX_LIMIT = 2**63 - 1


def _table_name(cls: type) -> str:
    return cls._name.replace(".", "_")  # type: ignore[attr-defined]


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime(F.DATETIME_FORMAT)


def check_ids(ids: Any) -> list[int]:
    """Ids as clients send them (an int or a list of ints) -> a clean list.

    Ids that cannot exist (zero, negative, beyond 32 bits) are kept out of the
    SQL and so behave as missing records; anything that is not an id at all
    is Odoo's ValueError.
    """
    if isinstance(ids, bool) or ids is None:
        raise ValueError(f"Invalid ids {ids!r}")
    if isinstance(ids, int):
        ids = [ids]
    if not isinstance(ids, (list, tuple)):
        raise ValueError(f"Invalid ids {ids!r}")
    clean = []
    for record_id in ids:
        if isinstance(record_id, bool) or not isinstance(record_id, int):
            raise ValueError(f"Invalid id {record_id!r}")
        clean.append(record_id)
    return clean


async def _resolve(value: Any) -> Any:
    """Defaults may be computed by a coroutine (when they need the database)."""
    return await value if inspect.isawaitable(value) else value


def _paginate(query: Any, limit: int | None, offset: int) -> Any:
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return query


def _limit(value: Any, name: str) -> int | None:
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise ValueError(f"Invalid {name} {value!r}")
    return value


@dataclass
class ReadPlan:
    """How to read a list of fields: the columns, joins and the row builder."""

    names: list[str]
    columns: list[Any]
    joins: list[tuple[Any, Any]]
    shape: Callable[[list[tuple]], list[dict[str, Any]]]
    x2many: list[str]


_CELL = re.compile(r"r\[(\d+)\]")


def _cell_name(match: re.Match[str]) -> str:
    return "c" + match.group(1)


def _generate_shaper(keys: list[str], exprs: list[str], conv: list[Any],
                     width: int) -> Callable[..., Any]:
    """One list comprehension building the row dicts, compiled once per plan.

    Row cells (``r[3]`` in the field expressions) become unpacked locals
    (``c3``): on 80 rows that is a fifth of the loop's time.
    """
    cells = [f"c{i}" for i in range(width)]
    body = ", ".join(f"{key!r}: {_CELL.sub(_cell_name, expr)}" for key, expr in zip(keys, exprs))
    target = f"({', '.join(cells)},)"
    source = f"def shape(rows):\n    return [{{{body}}} for {target} in rows]\n"
    namespace: dict[str, Any] = {"conv": conv}
    exec(compile(source, "<read plan>", "exec"), namespace)  # noqa: S102 - generated from field metadata only
    return namespace["shape"]


class BaseModel(ReadGroupMixin, WebMethodsMixin, peewee.Model):
    """The Odoo model API on a peewee model."""

    _name: ClassVar[str] = ""
    _description: ClassVar[str] = ""
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str] = "name"
    #: Odoo's ``_auto``: False for a model of methods only (a report), which has no table.
    _auto: ClassVar[bool] = True
    _rec_name_search: ClassVar[str | None] = None
    _parent_name: ClassVar[str] = "parent_id"
    _display_name_depends: ClassVar[tuple[str, ...]] = ()
    _private_fields: ClassVar[tuple[str, ...]] = ()
    #: Changes to this model alter what users may do (see models/access_version.py).
    _affects_access: ClassVar[bool] = False
    #: Changes are written to audit.log: True (every field) or a tuple of names (models/audit.py).
    _audit: ClassVar[bool | tuple[str, ...]] = False

    # Set up by the registry:
    _fields: ClassVar[dict[str, Any]]
    _public: ClassVar[dict[str, Any]]
    _active_field: ClassVar[Any]

    id = F.Id()
    create_uid = F.Many2one("res.users", "Created by", readonly=True, constraint=False, index=False)
    create_date = F.Datetime("Created on", readonly=True)
    write_uid = F.Many2one("res.users", "Last Updated by", readonly=True, constraint=False,
                           index=False)
    write_date = F.Datetime("Last Updated on", readonly=True)

    class Meta:
        legacy_table_names = False
        table_function = _table_name

    # ------------------------------------------------------------------
    # Setup (called by the registry once every class exists)
    # ------------------------------------------------------------------
    @classmethod
    def _setup(cls) -> None:
        columns = {f.name: f for f in cls._meta.sorted_fields if isinstance(f, F.OdooField)}
        ordered: dict[str, Any] = {"id": columns.pop("id")}
        magic = {name: columns.pop(name) for name in MAGIC_FIELDS}
        for name in cls._private_fields:
            columns.pop(name, None)
        ordered.update(columns)
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, F.Virtual):
                    ordered[name] = value
        ordered.update(magic)
        if not cls._display_name_depends:
            cls._display_name_depends = (cls._rec_name,)
        display = F.Computed("char", compute=cls._compute_display_name,
                             depends=cls._display_name_depends, string="Display Name",
                             search=cls._search_display_name)
        display.odoo_name = "display_name"
        display.model = cls
        ordered["display_name"] = display
        cls._fields = ordered
        cls._active_field = columns.get("active")
        if cls._rec_name_search is None:
            cls._rec_name_search = cls._rec_name
        from .api import public_methods
        cls._public = public_methods(cls)

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        """By default the display name is the one column it depends on."""
        return values.get(cls._display_name_depends[0]) or ""

    @classmethod
    def _display_name_column(cls) -> str | None:
        """The column a display name is a plain copy of (read plans inline it), if any."""
        if (len(cls._display_name_depends) == 1 and cls._compute_display_name.__func__  # type: ignore[attr-defined]
                is BaseModel._compute_display_name.__func__):  # type: ignore[attr-defined]
            return cls._display_name_depends[0]
        return None

    @classmethod
    def _search_display_name(cls, operator: str, value: Any) -> list[Any]:
        return [(cls._rec_name_search, operator, value)]

    # ------------------------------------------------------------------
    # Query building
    # ------------------------------------------------------------------
    @classmethod
    def _where(cls, env: "Env", domain: Any, active_test: bool = True) -> Any:
        """The caller's domain AND the active filter AND the record rule."""
        exprs = []
        compiler = DomainCompiler(env, cls)
        if domain:
            exprs.append(compiler.compile(domain))
        active = cls._active_field
        if (active is not None and active_test and env.context.get("active_test", True)
                and not mentions_field(domain, "active")):
            exprs.append(active == True)  # noqa: E712 - peewee expression
        rule = security.rule_domain(env, cls)
        if rule:
            exprs.append(compiler.compile(rule))
        return _and(exprs)

    @classmethod
    def _id_query(cls, env: "Env", domain: Any, active_test: bool = True) -> Any:
        """``SELECT id WHERE ...``: used as a subquery by the domain compiler."""
        query = cls.select(cls.id)
        where = cls._where(env, domain, active_test)
        return query if where is TRUE else query.where(where)

    @classmethod
    def _order_by(cls, spec: str | None, query: Any) -> tuple[list[Any], Any]:
        """ORDER BY nodes for a spec (validated), and the query with any joins it needs."""
        terms = parse_order(spec or cls._order)
        nodes: list[Any] = []
        seen_id = False
        for term in terms:
            field = cls._fields.get(term.field)
            if field is None:
                raise ValueError(f"Invalid field {term.field!r} on model {cls._name!r}")
            if not field.is_column:
                raise ValueError(f"Cannot order by non-stored field {cls._name}.{term.field}")
            if term.field == "id":
                seen_id = True
            targets: list[tuple[Any, bool]]
            if isinstance(field, F.Many2oneColumn):
                comodel = field.rel_model
                alias = comodel.alias(f"o_{term.field}")
                query = query.join_from(cls, alias, JOIN.LEFT_OUTER, on=(alias.id == field))
                targets = []
                for sub in parse_order(comodel._order):
                    sub_field = comodel._fields.get(sub.field)
                    if sub_field is not None and sub_field.is_column and not isinstance(
                            sub_field, F.Many2oneColumn):
                        # 'partner_id desc' reverses each term of the partner's own order
                        targets.append((getattr(alias, sub.field),
                                        term.descending != sub.descending))
            else:
                targets = [(field, term.descending)]
            for target, descending in targets:
                # PostgreSQL's placement (and so Odoo's), spelled out so that SQLite sorts
                # alike; left out on NOT NULL columns, where it would only cost the index.
                nulls = term.nulls or ("FIRST" if descending else "LAST")
                column = target.unwrap() if hasattr(target, "unwrap") else target
                if not getattr(column, "null", True) and not term.nulls:
                    nulls = None
                nodes.append(target.desc(nulls=nulls) if descending else target.asc(nulls=nulls))
        if not seen_id:
            nodes.append(cls.id.asc())
        return nodes, query

    @classmethod
    def _read_plan(cls, env: "Env", names: Iterable[str] | None, load: Any) -> ReadPlan:
        fields_key = tuple(names) if names else None
        key = (cls._name, fields_key, load == "_classic_read")
        cache = env.registry.read_plans
        plan = cache.get(key)
        if plan is None:
            plan = cache[key] = cls._build_read_plan(env, fields_key, load == "_classic_read")
        return plan

    @classmethod
    def _readable_names(cls) -> list[str]:
        return [name for name in cls._fields if name != "id"]

    @classmethod
    def _build_read_plan(cls, env: "Env", names: tuple[str, ...] | None, classic: bool) -> ReadPlan:
        if names is not None and not all(isinstance(n, str) for n in names):
            raise ValueError(f"Invalid field list {list(names)!r}")
        wanted = ["id"] + [n for n in (names or cls._readable_names()) if n != "id"]
        wanted = list(dict.fromkeys(wanted))
        columns: list[Any] = [cls.id]
        joins: list[tuple[Any, Any]] = []
        exprs: list[str] = ["r[0]"]
        conv: list[Any] = []
        x2many: list[str] = []

        def add(column: Any) -> int:
            columns.append(column)
            return len(columns) - 1

        for name in wanted[1:]:
            field = cls._fields.get(name)
            if field is None:
                raise ValueError(f"Invalid field {name!r} on model {cls._name!r}")
            if isinstance(field, (F.One2many, F.Many2many)):
                x2many.append(name)
                exprs.append("None")
            elif isinstance(field, F.Computed):
                deps = {dep: add(getattr(cls, dep)) for dep in field.depends}
                conv.append(field.compute)
                args = ", ".join(f"{dep!r}: r[{idx}]" for dep, idx in deps.items())
                exprs.append(f"conv[{len(conv) - 1}]({{{args}}})")
            elif isinstance(field, F.Many2oneColumn):
                idx = add(field)
                if not classic:
                    exprs.append(f"(r[{idx}] if r[{idx}] is not None else False)")
                    continue
                comodel = env.registry[field.comodel_name]
                alias = comodel.alias(f"j_{name}")
                joins.append((alias, alias.id == field))
                column = comodel._display_name_column()
                if column:
                    shown = add(getattr(alias, column))
                    exprs.append(f"([r[{idx}], r[{shown}] or ''] if r[{idx}] is not None else False)")
                    continue
                deps = {dep: add(getattr(alias, dep)) for dep in comodel._display_name_depends}
                conv.append(comodel._compute_display_name)
                args = ", ".join(f"{dep!r}: r[{i}]" for dep, i in deps.items())
                exprs.append(f"([r[{idx}], conv[{len(conv) - 1}]({{{args}}})] "
                             f"if r[{idx}] is not None else False)")
            else:
                exprs.append(field.read_expr(f"r[{add(field)}]", conv))
        shape = _generate_shaper(wanted, exprs, conv, len(columns))
        return ReadPlan(wanted, columns, joins, shape, x2many)

    @classmethod
    def _select(cls, plan: ReadPlan) -> Any:
        query = cls.select(*plan.columns)
        for alias, on in plan.joins:
            query = query.join_from(cls, alias, JOIN.LEFT_OUTER, on=on)
        return query

    @classmethod
    async def _fetch(cls, env: "Env", plan: ReadPlan, rows: list[tuple]) -> list[dict[str, Any]]:
        records = plan.shape(rows)
        if plan.x2many and records:
            ids = [record["id"] for record in records]
            for name in plan.x2many:
                values = await cls._x2many_values(env, cls._fields[name], ids)
                for record in records:
                    record[name] = values.get(record["id"], [])
        return records

    @classmethod
    def _statement_key(cls, env: "Env", kind: str, *parts: Any) -> tuple | None:
        """Everything that shapes a statement of ``kind``, or None if it cannot be keyed.

        The environment contributes what record rules and the active filter
        read: superuser mode, uid, active companies, the user's companies and
        ``active_test``.
        """
        data = value_key(parts)
        if data is None:
            return None
        user = env.user
        return (kind, cls._name, data, env.su, env.uid, env.companies,
                user.allowed_company_ids if user else (), env.context.get("active_test", True))

    @classmethod
    async def _cached_rows(cls, env: "Env", key: tuple | None,
                           build: Callable[[], Any]) -> list[tuple]:
        sql, params = env.registry.sql_cache.fetch(key, lambda: env.cr.sql(build()))
        return await env.cr.fetchall(sql, params)

    @classmethod
    async def _x2many_values(cls, env: "Env", field: Any, ids: list[int]) -> dict[int, list[int]]:
        """{owner id: [related ids in the comodel's order]} for one x2many field."""
        comodel = env.registry[field.comodel_name]

        def build() -> Any:
            if isinstance(field, F.One2many):
                inverse = comodel._fields[field.inverse_name]
                query = comodel.select(inverse, comodel.id)
                where = _and([inverse.in_(ids), comodel._where(env, field.domain)])
            else:
                rel = peewee.Table(field.relation, (field.column1, field.column2))
                owner = getattr(rel, field.column1)
                query = (comodel.select(owner, comodel.id)
                         .join(rel, on=(getattr(rel, field.column2) == comodel.id)))
                where = _and([owner.in_(ids), comodel._where(env, field.domain)])
            if where is not TRUE:
                query = query.where(where)
            nodes, query = comodel._order_by(None, query)
            return query.order_by(*nodes)

        # rendered once per field, owners and caller (models/sql_cache.py): a menu reads the
        # categories of the same hundred products on every request
        shape = (field.inverse_name if isinstance(field, F.One2many)
                 else (field.relation, field.column1, field.column2))
        key = comodel._statement_key(env, "x2many", shape, field.domain, ids)
        result: dict[int, list[int]] = {}
        for owner_id, related_id in await comodel._cached_rows(env, key, build):
            result.setdefault(owner_id, []).append(related_id)
        return result

    @classmethod
    async def _visible_ids(cls, env: "Env", ids: list[int], active_test: bool = False) -> list[int]:
        """Those of ``ids`` that exist and that the record rule lets the caller see."""
        wanted = [i for i in dict.fromkeys(ids) if 0 < i <= MAX_ID]
        if not wanted:
            return []
        where = _and([cls.id.in_(wanted), cls._where(env, None, active_test=active_test)])
        found = {row[0] for row in await env.cr.rows(cls.select(cls.id).where(where))}
        return [i for i in wanted if i in found]

    @classmethod
    async def _ensure_visible(cls, env: "Env", ids: list[int],
                              operation: str = security.WRITE) -> list[int]:
        """``ids`` if the caller may see them all: AccessError for a record the rule
        hides (another restaurant's), MissingError for one that does not exist."""
        visible = await cls._visible_ids(env, ids)
        if len(visible) != len(set(ids)):
            unseen = [i for i in dict.fromkeys(ids) if i not in set(visible)]
            await cls._raise_hidden(env, unseen, operation)
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {cls._name}({', '.join(map(str, unseen))},), User: {env.uid})")
        return visible

    @classmethod
    async def _raise_hidden(cls, env: "Env", unseen: list[int], operation: str) -> None:
        """Odoo's AccessError for records that exist but that the record rule hides.

        Odoo names the records in this message; we give their ids only, so the
        error tells nothing of another restaurant's data.
        """
        candidates = [i for i in unseen if 0 < i <= MAX_ID]
        if not candidates:
            return
        hidden = [row[0] for row in await env.cr.rows(
            cls.select(cls.id).where(cls.id.in_(candidates)).order_by(cls.id))]
        if hidden:
            raise security.rule_error(env, cls, operation, hidden)

    # ------------------------------------------------------------------
    # Searching and reading
    # ------------------------------------------------------------------
    @public("model", readonly=True)
    async def search(cls, env: "Env", domain: Any = (), offset: int = 0, limit: int | None = None,
                     order: str | None = None, count: bool = False) -> Any:
        if count:   # Odoo 16 still accepted search(count=True)
            return await cls.search_count(env, domain)
        security.check_access(env, cls, security.READ)
        limit, offset = _limit(limit, "limit"), _limit(offset, "offset") or 0

        def build() -> Any:
            query = cls.select(cls.id)
            where = cls._where(env, domain)
            if where is not TRUE:
                query = query.where(where)
            nodes, query = cls._order_by(order, query)
            return _paginate(query.order_by(*nodes), limit, offset)

        key = cls._statement_key(env, "search", domain, order, limit, offset)
        return [row[0] for row in await cls._cached_rows(env, key, build)]

    @public("model", readonly=True)
    async def search_count(cls, env: "Env", domain: Any = (), limit: int | None = None) -> int:
        security.check_access(env, cls, security.READ)
        limit = _limit(limit, "limit")

        def build() -> Any:
            inner = cls.select(cls.id)
            where = cls._where(env, domain)
            if where is not TRUE:
                inner = inner.where(where)
            if limit:
                inner = inner.limit(limit)
            return peewee.Select([inner.alias("_counted")], [fn.COUNT(peewee.SQL("*"))])

        key = cls._statement_key(env, "search_count", domain, limit)
        return (await cls._cached_rows(env, key, build))[0][0]

    @public("model", readonly=True)
    async def search_read(cls, env: "Env", domain: Any = None, fields: Any = None, offset: int = 0,
                          limit: int | None = None, order: str | None = None,
                          load: Any = "_classic_read") -> list[dict[str, Any]]:
        security.check_access(env, cls, security.READ)
        plan = cls._read_plan(env, fields or None, load)
        limit, offset = _limit(limit, "limit"), _limit(offset, "offset") or 0

        def build() -> Any:
            query = cls._select(plan)
            where = cls._where(env, domain or [])
            if where is not TRUE:
                query = query.where(where)
            nodes, query = cls._order_by(order, query)
            return _paginate(query.order_by(*nodes), limit, offset)

        key = cls._statement_key(env, "search_read", plan.names, load == "_classic_read",
                                 domain or [], order, limit, offset)
        return await cls._fetch(env, plan, await cls._cached_rows(env, key, build))

    @public("records", readonly=True)
    async def read(cls, env: "Env", ids: Any, fields: Any = None,
                   load: Any = "_classic_read") -> list[dict[str, Any]]:
        ids = check_ids(ids)
        security.check_access(env, cls, security.READ)
        if isinstance(fields, str):
            fields = [fields]
        plan = cls._read_plan(env, fields or None, load)
        wanted = [i for i in dict.fromkeys(ids) if 0 < i <= MAX_ID]
        if not wanted:
            return []

        def build() -> Any:
            where = _and([cls.id.in_(wanted), cls._where(env, None, active_test=False)])
            return cls._select(plan).where(where)

        key = cls._statement_key(env, "read", plan.names, load == "_classic_read", wanted)
        records = await cls._fetch(env, plan, await cls._cached_rows(env, key, build))
        by_id = {record["id"]: record for record in records}
        if len(by_id) != len(wanted):   # missing ids are dropped, hidden ones refused (Odoo)
            await cls._raise_hidden(env, [i for i in wanted if i not in by_id], security.READ)
        return [by_id[i] for i in wanted if i in by_id]

    @public("records", readonly=True)
    async def exists(cls, env: "Env", ids: Any) -> list[int]:
        return await cls._visible_ids(env, check_ids(ids))

    @public("records", readonly=True)
    async def name_get(cls, env: "Env", ids: Any) -> list[list[Any]]:
        records = await cls.read(env, ids, ["display_name"])
        return [[record["id"], record["display_name"]] for record in records]

    @public("model", readonly=True)
    async def name_search(cls, env: "Env", name: str = "", args: Any = None, operator: str = "ilike",
                          limit: int | None = 100) -> list[list[Any]]:
        domain = list(args or [])
        if name:
            domain = domain + [(cls._rec_name_search, operator, name)]
        records = await cls.search_read(env, domain, ["display_name"], limit=limit)
        return [[record["id"], record["display_name"]] for record in records]

    @public("model", readonly=True)
    async def fields_get(cls, env: "Env", allfields: Any = None,
                         attributes: Any = None) -> dict[str, dict[str, Any]]:
        security.check_access(env, cls, security.READ)
        names = allfields or list(cls._fields)
        result: dict[str, dict[str, Any]] = {}
        for name in names:
            field = cls._fields.get(name)
            if field is None:
                continue
            description = field.description()
            if attributes:
                description = {k: v for k, v in description.items() if k in attributes}
            result[name] = description
        return result

    @public("model", readonly=True)
    async def fields_get_keys(cls, env: "Env") -> list[str]:
        """Odoo <= 16 (gone in 17); erppeek's ``Model.keys()`` and record attributes need it."""
        security.check_access(env, cls, security.READ)
        return list(cls._fields)

    @public("model", readonly=True)
    async def default_get(cls, env: "Env", fields_list: Any) -> dict[str, Any]:
        if not isinstance(fields_list, (list, tuple)):
            raise ValueError(f"Invalid field list {fields_list!r}")
        result: dict[str, Any] = {}
        for name in fields_list:
            field = cls._fields.get(name)
            if field is None:
                continue
            context_key = f"default_{name}"
            if context_key in env.context:
                result[name] = env.context[context_key]
            elif field.has_default():
                value = await _resolve(field.default_value(env))
                if isinstance(field, F.Many2many):
                    value = list(value or [])
                result[name] = False if value is None else value
        return result

    @public("model", readonly=True)
    async def check_access_rights(cls, env: "Env", operation: str,
                                  raise_exception: bool = True) -> bool:
        if operation not in (security.READ, security.WRITE, security.CREATE, security.UNLINK):
            raise ValueError(f"Invalid access mode {operation!r}")
        if raise_exception:
            security.check_access(env, cls, operation)
            return True
        return security.has_access(env, cls, operation)

    # ------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------
    @classmethod
    def _split_vals(cls, env: "Env", vals: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Client values -> ({column field name: db value}, {x2many name: commands})."""
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        columns: dict[str, Any] = {}
        x2many: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, value in vals.items():
            if name in MAGIC_FIELDS or name in ("id", "display_name"):
                continue
            field = cls._fields.get(name) if isinstance(name, str) else None
            if field is None:
                raise ValueError(f"Invalid field {name!r} on model {cls._name!r}")
            if isinstance(field, F.Computed):
                continue
            if field.readonly and not env.su:
                errors[name] = f"Field '{name}' is read-only"
                continue
            if isinstance(field, (F.One2many, F.Many2many)):
                x2many[name] = value
            else:
                columns[name] = field.convert_to_column(value)
        if errors:
            raise ValidationError(
                f"You cannot set read-only fields on {cls._name}: {', '.join(sorted(errors))}",
                field_errors=errors)
        return columns, x2many

    @classmethod
    def _missing_required(cls, columns: dict[str, Any]) -> None:
        for name, field in cls._fields.items():
            if getattr(field, "required", False) and field.is_column and name != "id":
                if columns.get(name) is None:
                    raise ValidationError(
                        "The operation cannot be completed:\n"
                        "- Create/update: a mandatory field is not set.\n"
                        "- Delete: another model requires the record being deleted. If possible, "
                        "archive it instead.\n\n"
                        f"Model: {cls._description or cls._name} ({cls._name})\n"
                        f"Field: {field.label} ({name})\n",
                        field_errors={name: f"{field.label} is required"})

    @classmethod
    async def _check_relations(cls, env: "Env", columns: dict[str, Any]) -> None:
        """Linked records must exist and be visible (no cross-restaurant links)."""
        if env.su:
            return
        for name, value in columns.items():
            field = cls._fields[name]
            if value is None or not isinstance(field, F.Many2oneColumn):
                continue
            comodel = env.registry[field.comodel_name]
            if name == "company_id" and "company_id" in cls._fields:
                security.check_company_values(env, cls, value)
            elif security.rule_domain(env, comodel) is not None:
                if not await comodel._visible_ids(env, [value]):
                    raise ValidationError(
                        f"The record {field.comodel_name}({value},) linked by {cls._name}.{name} "
                        "does not exist.", field_errors={name: "Record does not exist"})

    @classmethod
    def _column_values(cls, columns: dict[str, Any]) -> dict[Any, Any]:
        return {cls._fields[name]: value for name, value in columns.items()}

    @public("create", name="create")
    async def create_records(cls, env: "Env", vals_list: Any) -> Any:
        single = isinstance(vals_list, dict)
        if single:
            vals_list = [vals_list]
        if not isinstance(vals_list, (list, tuple)):
            raise ValueError(f"Invalid values {vals_list!r}: expected a dictionary or a list")
        security.check_access(env, cls, security.CREATE)
        ids = []
        for vals in vals_list:
            ids.append(await cls._create_one(env, vals))
        return ids[0] if single else ids

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        columns, x2many = cls._split_vals(env, vals)
        for name, field in cls._fields.items():
            if name in columns or name in x2many or name in MAGIC_FIELDS or name == "id":
                continue
            context_key = f"default_{name}"
            if context_key in env.context:
                if isinstance(field, (F.One2many, F.Many2many)):
                    x2many[name] = env.context[context_key]
                elif field.is_column:
                    columns[name] = field.convert_to_column(env.context[context_key])
            elif getattr(field, "has_default", None) and field.has_default():
                value = await _resolve(field.default_value(env))
                if isinstance(field, F.Many2many):
                    if value:
                        x2many[name] = [(6, 0, list(value))]
                elif field.is_column:
                    columns[name] = field.convert_to_column(value)
        cls._missing_required(columns)
        await cls._check_relations(env, columns)
        stamp = now_utc()
        columns.update(create_uid=env.uid, write_uid=env.uid, create_date=stamp, write_date=stamp)
        query = cls.insert(cls._column_values(columns)).returning(cls.id)
        (new_id,) = await env.cr.insert(query)
        for name, commands in x2many.items():
            await cls._write_x2many(env, [new_id], cls._fields[name], commands)
        if cls._audit:
            await env["audit.log"]._log_create(cls, new_id, columns, x2many)
        if cls._affects_access:
            await access_version.bump(env.cr)
        return new_id

    @public("records")
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        ids = check_ids(ids)
        security.check_access(env, cls, security.WRITE)
        # The record rule before the values, as Odoo's write: another restaurant's record
        # is an AccessError whatever is written to it; a missing one stays a MissingError
        # after the values' own errors.
        visible = await cls._visible_ids(env, ids)
        unseen = [i for i in dict.fromkeys(ids) if i not in set(visible)] \
            if len(visible) != len(set(ids)) else []
        if unseen:
            await cls._raise_hidden(env, unseen, security.WRITE)
        columns, x2many = cls._split_vals(env, vals)
        if unseen:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {cls._name}({', '.join(map(str, unseen))},), User: {env.uid})")
        ids = visible
        if not ids:
            return True
        for name, value in columns.items():
            if value is None and cls._fields[name].required:
                cls._missing_required({name: None})
        await cls._check_relations(env, columns)
        audit = cls._audit and await env["audit.log"]._snapshot(cls, ids, columns, x2many)
        columns.update(write_uid=env.uid, write_date=now_utc())
        await env.cr.run(cls.update(cls._column_values(columns)).where(cls.id.in_(ids)))
        for name, commands in x2many.items():
            await cls._write_x2many(env, ids, cls._fields[name], commands)
        if audit:
            await env["audit.log"]._log_write(cls, ids, audit, columns)
        if cls._affects_access:
            await access_version.bump(env.cr)
        return True

    @public("records")
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        ids = check_ids(ids)
        security.check_access(env, cls, security.UNLINK)
        ids = await cls._ensure_visible(env, ids, security.UNLINK)
        if ids:
            if cls._audit:
                await env["audit.log"]._log_unlink(cls, ids)
            await env.cr.run(cls.delete().where(cls.id.in_(ids)))
            if cls._affects_access:
                await access_version.bump(env.cr)
        return True

    @public("records")
    async def copy(cls, env: "Env", ids: Any, default: Any = None) -> int:
        ids = check_ids(ids)
        if len(ids) != 1:
            raise ValueError("Expected singleton: copy() works on one record")
        if default is not None and not isinstance(default, dict):
            raise ValueError(f"Invalid default {default!r}")
        names = [n for n, f in cls._fields.items()
                 if f.copyable and n not in MAGIC_FIELDS and n != "id"
                 and not isinstance(f, (F.Computed, F.One2many)) and not f.readonly]
        records = await cls.read(env, ids, names, load="_classic_write")
        if not records:
            raise MissingError("Record does not exist or has been deleted.\n"
                               f"(Record: {cls._name}({ids[0]},), User: {env.uid})")
        vals = {k: v for k, v in records[0].items() if k != "id"}
        for name, field in cls._fields.items():
            if isinstance(field, F.Many2many) and name in vals:
                vals[name] = [(6, 0, vals[name])]
        if cls._rec_name in vals and isinstance(vals[cls._rec_name], str) and (
                not default or cls._rec_name not in default):
            vals[cls._rec_name] = f"{vals[cls._rec_name]} (copy)"
        vals.update(default or {})
        return await cls.create_records(env, vals)

    @public("model")
    async def name_create(cls, env: "Env", name: str) -> list[Any] | bool:
        new_id = await cls.create_records(env, {cls._rec_name: name})
        records = await cls.read(env, [new_id], ["display_name"])
        return [new_id, records[0]["display_name"]] if records else False

    # ------------------------------------------------------------------
    # x2many commands
    # ------------------------------------------------------------------
    @classmethod
    async def _write_x2many(cls, env: "Env", ids: list[int], field: Any, commands: Any) -> None:
        """Apply Odoo's x2many commands (0..6), or a plain id list, to each record."""
        commands = normalize_commands(field, commands)
        comodel = env.registry[field.comodel_name]
        for record_id in ids:
            for command in commands:
                await cls._apply_command(env, record_id, field, comodel, command)

    @classmethod
    async def _apply_command(cls, env: "Env", record_id: int, field: Any, comodel: Any,
                             command: tuple) -> None:
        code = command[0]
        bound = env[comodel._name]
        if isinstance(field, F.One2many):
            inverse = field.inverse_name
            if code == 0:
                values = dict(command[2] or {})
                values[inverse] = record_id
                await bound.create(values)
            elif code == 1:
                await cls._check_linked(env, record_id, field, comodel, [command[1]])
                await bound.write([command[1]], dict(command[2] or {}))
            elif code == 2:
                await cls._check_linked(env, record_id, field, comodel, [command[1]])
                await bound.unlink([command[1]])
            elif code == 3:
                await cls._check_linked(env, record_id, field, comodel, [command[1]])
                await cls._o2m_unlink(env, field, comodel, [command[1]])
            elif code == 4:
                await bound.write([command[1]], {inverse: record_id})
            elif code == 5:
                current = (await cls._x2many_values(env, field, [record_id])).get(record_id, [])
                await cls._o2m_unlink(env, field, comodel, current)
            elif code == 6:
                current = (await cls._x2many_values(env, field, [record_id])).get(record_id, [])
                keep = list(command[2] or [])
                await cls._o2m_unlink(env, field, comodel, [i for i in current if i not in keep])
                if keep:
                    await bound.write(keep, {inverse: record_id})
            return
        rel = peewee.Table(field.relation, (field.column1, field.column2))
        owner, target = getattr(rel, field.column1), getattr(rel, field.column2)

        async def link(related: list[int]) -> None:
            related = [i for i in dict.fromkeys(related)]
            if not related:
                return
            visible = await comodel._visible_ids(env, related)
            if len(visible) != len(related):
                raise MissingError(
                    "Record does not exist or has been deleted.\n"
                    f"(Record: {comodel._name}({', '.join(map(str, set(related) - set(visible)))},), "
                    f"User: {env.uid})")
            existing = {row[0] for row in await env.cr.rows(
                rel.select(target).where((owner == record_id) & target.in_(related)))}
            rows = [(record_id, i) for i in related if i not in existing]
            if rows:
                await env.cr.run(rel.insert(rows, columns=[owner, target]))

        if code == 0:
            await link([await bound.create(dict(command[2] or {}))])
        elif code == 1:
            await bound.write([command[1]], dict(command[2] or {}))
        elif code == 2:
            await env.cr.run(rel.delete().where((owner == record_id) & (target == command[1])))
            await bound.unlink([command[1]])
        elif code == 3:
            await env.cr.run(rel.delete().where((owner == record_id) & (target == command[1])))
        elif code == 4:
            await link([command[1]])
        elif code == 5:
            await env.cr.run(rel.delete().where(owner == record_id))
        elif code == 6:
            await env.cr.run(rel.delete().where(owner == record_id))
            await link(list(command[2] or []))

    @classmethod
    async def _check_linked(cls, env: "Env", record_id: int, field: Any, comodel: Any,
                            related: list[int]) -> None:
        linked = (await cls._x2many_values(env, field, [record_id])).get(record_id, [])
        stray = [i for i in related if i not in linked]
        if stray:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {comodel._name}({', '.join(map(str, stray))},), User: {env.uid})")

    @classmethod
    async def _o2m_unlink(cls, env: "Env", field: Any, comodel: Any, related: list[int]) -> None:
        """Cut one2many links: delete the lines when they cannot exist alone."""
        if not related:
            return
        inverse = comodel._fields[field.inverse_name]
        if inverse.required or inverse.ondelete == "cascade":
            await env[comodel._name].unlink(related)
        else:
            await env[comodel._name].write(related, {field.inverse_name: False})


def normalize_commands(field: Any, commands: Any) -> list[tuple]:
    """x2many values as clients send them -> a list of command tuples (validated)."""
    if commands is False or commands is None:
        return [(5, 0, 0)]
    if not isinstance(commands, (list, tuple)):
        raise ValueError(f"Invalid value for {field.model._name}.{field.odoo_name}: {commands!r}")
    result = []
    if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
        return [(6, 0, list(commands))]   # a plain id list, as m2m accepts in create
    for command in commands:
        if not isinstance(command, (list, tuple)) or not command:
            raise ValueError(f"Invalid x2many command {command!r}")
        code = command[0]
        padded = tuple(command) + (0,) * (3 - len(command))
        if code not in (0, 1, 2, 3, 4, 5, 6) or isinstance(code, bool):
            raise ValueError(f"Invalid x2many command {command!r}")
        if code in (1, 2, 3, 4) and (isinstance(padded[1], bool) or not isinstance(padded[1], int)):
            raise ValueError(f"Invalid x2many command {command!r}: expected a record id")
        if code in (0, 1) and padded[2] not in (None, False, 0) and not isinstance(padded[2], dict):
            raise ValueError(f"Invalid x2many command {command!r}: expected values")
        if code == 6:
            ids = padded[2] or []
            if not isinstance(ids, (list, tuple)) or not all(
                    isinstance(i, int) and not isinstance(i, bool) for i in ids):
                raise ValueError(f"Invalid x2many command {command!r}: expected ids")
        result.append(padded[:3])
    return result

