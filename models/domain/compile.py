"""Domain tree -> peewee expression.

Each leaf is resolved against the model's fields (unknown fields and
operators are ``ValueError``s, never SQL), its value is converted to the
field's column type, and an operator table builds the condition. Paths
through relations (``partner_id.country_id.code``) and the ``any`` operator
become ``IN (subquery)`` on the comodel, whose own record rules and
``active_test`` apply, as in Odoo 17. ``child_of``/``parent_of`` walk the
hierarchy with a recursive CTE.

Semantics follow Odoo's ``expression.py``: ``= False`` is ``IS NULL`` (and
also ``= false`` on booleans), negative operators match NULL rows, ``in []``
is false and ``not in []`` true, ``like`` wraps the value in ``%...%``
without escaping (clients escape ``%``/``_`` themselves with ``\\``), so
``not like ''`` selects the NULL rows only. A negated path is ``not any``
(Odoo 17 turns paths into ``any`` before negating). ``ilike`` with a
non-ASCII pattern lowers both sides with Python on SQLite, whose ``LIKE``
folds ASCII only, to match what PostgreSQL's ``ILIKE`` matches.

``evaluate.py`` implements the same semantics in Python; the tests check the
two against each other, so a change here needs its twin there.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

import peewee
from peewee import SQL, Cast, EnclosedNodeList, NodeList, Value

from .. import fields as F
from .values import convert_value
from .normalize import (FALSE_LEAF, NEGATIVE_TERM_OPERATORS, TRUE_LEAF, Leaf, Node, Not,
                        leaf_repr, parse)

if TYPE_CHECKING:  # pragma: no cover
    from ..env import Env

TRUE = SQL("1 = 1")
FALSE = SQL("1 = 0")
LARGE_IN = 1000
#: A LIKE pattern of thousands of wildcards is a denial of service, not a search.
MAX_LIKE_PATTERN = 1000

LIKE_OPERATORS = ("like", "not like", "ilike", "not ilike", "=like", "=ilike")
#: A negative operator -> the positive one whose matches it excludes.
POSITIVE = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}


def _and(exprs: list[Any]) -> Any:
    exprs = [e for e in exprs if e is not TRUE]
    if any(e is FALSE for e in exprs):
        return FALSE
    if not exprs:
        return TRUE
    return exprs[0] if len(exprs) == 1 else NodeList(exprs, glue=" AND ", parens=True)


def _or(exprs: list[Any]) -> Any:
    exprs = [e for e in exprs if e is not FALSE]
    if any(e is TRUE for e in exprs):
        return TRUE
    if not exprs:
        return FALSE
    return exprs[0] if len(exprs) == 1 else NodeList(exprs, glue=" OR ", parens=True)


def _raw(value: Any) -> Value:
    """A parameter that peewee must pass through untouched (already converted)."""
    return Value(value, converter=False)


class DomainCompiler:
    """Compiles domains of one model for one environment (registry, rules, dialect)."""

    def __init__(self, env: "Env", model: Any) -> None:
        self.env = env
        self.model = model
        self.kind = env.dialect_kind

    # -- entry points ----------------------------------------------------
    def compile(self, domain: Any) -> Any:
        return self.node(parse(domain))

    def node(self, node: Node) -> Any:
        if isinstance(node, Leaf):
            return self.leaf(node)
        if isinstance(node, Not):
            if isinstance(node.child, Leaf) and isinstance(node.child.path, str) \
                    and "." in node.child.path:
                return self.leaf(node.child, negate=True)
            inner = self.node(node.child)
            if inner is TRUE:
                return FALSE
            if inner is FALSE:
                return TRUE
            return NodeList([SQL("NOT"), EnclosedNodeList([inner])])
        children = [self.node(child) for child in node.children]
        return _and(children) if node.operator == "&" else _or(children)

    # -- leaves ------------------------------------------------------------
    def leaf(self, leaf: Leaf, negate: bool = False) -> Any:
        """One leaf; ``negate`` only for dotted paths (``not any``, see ``normalize.parse``)."""
        triple = (leaf.path, leaf.operator, leaf.value)
        if triple == TRUE_LEAF:
            return TRUE
        if triple == FALSE_LEAF:
            return FALSE
        if not isinstance(leaf.path, str):
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}")
        parts = leaf.parts
        name = parts[0]
        field = self.model._fields.get(name)
        if field is None:
            raise ValueError(f"Invalid field {self.model._name}.{name} in leaf {leaf_repr(triple)}")
        if len(parts) > 1:
            return self.path(field, ".".join(parts[1:]), leaf, triple, negate)
        if isinstance(field, F.Computed):
            if field.search is None:
                raise ValueError(f"Non-stored field {self.model._name}.{name} cannot be searched.")
            return self.compile(field.search(leaf.operator, leaf.value))
        if leaf.operator in ("child_of", "parent_of"):
            return self.hierarchy(field, leaf, triple)
        if isinstance(field, (F.One2many, F.Many2many)):
            return self.x2many(field, leaf, triple)
        if isinstance(field, F.Many2oneColumn):
            return self.many2one(field, leaf, triple)
        if leaf.operator in ("any", "not any"):
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}: 'any' needs a relational field")
        return self.column(field, leaf.operator, leaf.value, triple)

    def path(self, field: Any, rest: str, leaf: Leaf, triple: tuple, negate: bool = False) -> Any:
        """``rel.sub op value`` -> ``rel any [(sub, op, value)]`` (``not any`` if negated)."""
        if not isinstance(field, (F.Many2oneColumn, F.One2many, F.Many2many)):
            raise ValueError(f"Invalid field {self.model._name}.{leaf.path} in leaf {leaf_repr(triple)}")
        sub = [(rest, leaf.operator, leaf.value)]
        if isinstance(field, F.Many2oneColumn):
            related = self.ids_of(field.comodel_name, sub, active_test=False)
            if negate:
                return _or([field.not_in(related), field.is_null()])
            return field.in_(related)
        return self.x2many_any(field, sub, negate=negate)

    # -- plain columns ---------------------------------------------------
    def convert(self, field: Any, value: Any, triple: tuple) -> Any:
        """A domain value -> a parameter of the column's type (ValueError otherwise)."""
        return convert_value(field.ttype, value, triple)

    def column(self, col: Any, operator: str, value: Any, triple: tuple) -> Any:
        builder = COLUMN_OPERATORS.get(operator)
        if builder is None:
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}")
        return builder(self, col, value, triple)

    def _eq(self, col: Any, value: Any, triple: tuple) -> Any:
        if isinstance(value, (list, tuple)):
            return self._in(col, value, triple)
        param = self.convert(col, value, triple)
        if param is None:
            return col.is_null()
        if isinstance(col, F.Boolean) and param is False:
            return _or([col.is_null(), col == _raw(False)])
        return col == _raw(param)

    def _ne(self, col: Any, value: Any, triple: tuple) -> Any:
        if isinstance(value, (list, tuple)):
            return self._not_in(col, value, triple)
        param = self.convert(col, value, triple)
        if param is None:
            return col.is_null(False)
        if isinstance(col, F.Boolean):
            if param is False:          # "set" on a boolean means true
                return col == _raw(True)
            return _or([col == _raw(False), col.is_null()])
        return _or([col != _raw(param), col.is_null()])

    def _compare(self, sql_op: str) -> Callable[..., Any]:
        def build(self_: "DomainCompiler", col: Any, value: Any, triple: tuple) -> Any:
            param = self_.convert(col, value, triple)
            if param is None:
                return FALSE
            if isinstance(col, F.Datetime) and isinstance(value, str) and len(value.strip()) == 10:
                param = param[:10] + (" 23:59:59" if sql_op in (">", "<=") else " 00:00:00")
            return peewee.Expression(col, sql_op, _raw(param))
        return build

    def _eq_optional(self, col: Any, value: Any, triple: tuple) -> Any:
        if value is None or value is False:
            return TRUE
        return self._eq(col, value, triple)

    def _values(self, col: Any, value: Any, triple: tuple) -> tuple[list[Any], bool]:
        """The list operand of in/not in, converted, and whether it held False/None."""
        if isinstance(value, peewee.Node):
            return [value], False
        if not isinstance(value, (list, tuple, set)):
            value = [value]
        if isinstance(col, F.Boolean):
            params = [bool(v) for v in value]
            return sorted(set(params)), (False in params or None in value)
        has_null = any(v is False or v is None for v in value)
        params = [self.convert(col, v, triple) for v in value if v is not False and v is not None]
        return params, has_null

    def _member(self, col: Any, params: list[Any]) -> Any:
        if len(params) == 1 and isinstance(params[0], peewee.Node):
            return col.in_(params[0])
        if len(params) <= LARGE_IN:
            return col.in_([_raw(p) for p in params])
        if self.kind == "postgresql":
            return NodeList([col, SQL("= ANY(%s)", [list(params)])])
        return col.in_(SQL("(SELECT value FROM json_each(?))", [json.dumps(list(params))]))

    def _in(self, col: Any, value: Any, triple: tuple) -> Any:
        params, has_null = self._values(col, value, triple)
        if isinstance(col, F.Boolean):
            exprs = [col == _raw(p) for p in params]
            if has_null:
                exprs.append(col.is_null())
            return _or(exprs)
        exprs = [self._member(col, params)] if params else []
        if has_null:
            exprs.append(col.is_null())
        return _or(exprs)

    def _not_in(self, col: Any, value: Any, triple: tuple) -> Any:
        params, has_null = self._values(col, value, triple)
        if isinstance(col, F.Boolean):
            # False stands for "false or unset"; the complement is what remains.
            excluded = set(params) | ({False} if has_null else set())
            return self._in(col, [v for v in (True, False) if v not in excluded], triple)
        if not params:
            return col.is_null(False) if has_null else TRUE
        member = NodeList([SQL("NOT"), EnclosedNodeList([self._member(col, params)])])
        if has_null:
            return _and([member, col.is_null(False)])
        return _or([member, col.is_null()])

    def _like(self, operator: str) -> Callable[..., Any]:
        negative = operator.startswith("not ")
        base = operator.replace("not ", "")
        wildcard = base in ("like", "ilike")
        insensitive = base.endswith("ilike")

        def build(self_: "DomainCompiler", col: Any, value: Any, triple: tuple) -> Any:
            if isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Invalid value {value!r} in leaf {leaf_repr(triple)}")
            if isinstance(value, str) and len(value) > MAX_LIKE_PATTERN:
                raise ValueError(f"Invalid value in leaf {leaf_repr(triple)[:80]}...: search "
                                 f"patterns are limited to {MAX_LIKE_PATTERN} characters")
            if wildcard and (value is False or value is None or value == ""):
                # Odoo: (col LIKE '%%' OR col IS NULL), (col NOT LIKE '%%' OR col IS NULL)
                return col.is_null() if negative else TRUE
            if value is None or value is False:
                return col.is_null()
            pattern = f"%{value}%" if wildcard else str(value)
            if ends_with_escape(pattern):
                # PostgreSQL refuses such a pattern; SQLite silently matches nothing.
                raise ValueError(f"Invalid value {value!r} in leaf {leaf_repr(triple)}: "
                                 "the pattern ends with an escape character")
            target = col if isinstance(col, (F.Char, F.Selection)) else Cast(col, "TEXT")
            condition = self_.like_sql(target, pattern, insensitive)
            if negative:
                return _or([NodeList([SQL("NOT"), EnclosedNodeList([condition])]), col.is_null()])
            return condition
        return build

    def like_sql(self, target: Any, pattern: str, insensitive: bool) -> Any:
        if self.kind == "postgresql":
            op = "ILIKE" if insensitive else "LIKE"
            return NodeList([target, SQL(op), _raw(pattern)])
        if insensitive:   # SQLite's LIKE ignores (ASCII) case; '\\' escapes as in PostgreSQL
            if not pattern.isascii():   # fold the rest as PostgreSQL's ILIKE does (lower())
                target, pattern = peewee.fn.unicode_lower(target), pattern.lower()
            return NodeList([target, SQL("LIKE"), _raw(pattern), SQL("ESCAPE '\\'")])
        return NodeList([target, SQL("GLOB"), _raw(like_to_glob(pattern))])

    # -- relations ---------------------------------------------------------
    def ids_of(self, comodel_name: str, domain: Any, active_test: bool = True) -> Any:
        comodel = self.env.registry[comodel_name]
        return comodel._id_query(self.env, domain, active_test=active_test)

    def name_ids(self, comodel_name: str, operator: str, value: Any) -> Any:
        comodel = self.env.registry[comodel_name]
        return comodel._id_query(self.env, [(comodel._rec_name_search, operator, value)],
                                 active_test=False)

    def many2one(self, col: Any, leaf: Leaf, triple: tuple) -> Any:
        operator, value = leaf.operator, leaf.value
        if operator in ("any", "not any"):
            sub = self.ids_of(col.comodel_name, value, active_test=False)
            if operator == "any":
                return col.in_(sub)
            return _or([col.not_in(sub), col.is_null()])
        if isinstance(value, str) and not value.isdigit() and operator not in ("<", ">", "<=", ">="):
            # Match names with the positive operator, then negate on the ids.
            positive = POSITIVE.get(operator, operator)
            if positive == "in":
                positive = "="
            sub = self.name_ids(col.comodel_name, positive, value)
            if operator in NEGATIVE_TERM_OPERATORS:
                return _or([col.not_in(sub), col.is_null()])
            return col.in_(sub)
        if operator in LIKE_OPERATORS:
            return self.column(col, operator, value, triple)
        return self.column(col, operator, value, triple)

    def x2many_owner_ids(self, field: Any, related: Any | None) -> Any:
        """Owner ids linked to related records (``related`` a subquery/list, or any if None)."""
        comodel = self.env.registry[field.comodel_name]
        if isinstance(field, F.One2many):
            inverse = comodel._fields[field.inverse_name]
            query = comodel.select(inverse).where(inverse.is_null(False))
            if related is not None:
                query = query.where(comodel.id.in_(related))
            return query
        table = peewee.Table(field.relation, (field.column1, field.column2))
        query = table.select(getattr(table, field.column1))
        if related is not None:
            query = query.where(getattr(table, field.column2).in_(related))
        return query

    def x2many_any(self, field: Any, domain: Any, negate: bool) -> Any:
        # Odoo searches the comodel with _search(): its active_test applies
        # (one2many and many2many alike; only many2one uses active_test=False).
        related = self.ids_of(field.comodel_name, domain)
        owners = self.x2many_owner_ids(field, related)
        return self.model.id.not_in(owners) if negate else self.model.id.in_(owners)

    def x2many(self, field: Any, leaf: Leaf, triple: tuple) -> Any:
        operator, value = leaf.operator, leaf.value
        if operator in ("any", "not any"):
            return self.x2many_any(field, value, negate=operator == "not any")
        negate = operator in NEGATIVE_TERM_OPERATORS
        if isinstance(value, str) or operator in ("like", "ilike", "=like", "=ilike", "not like",
                                                  "not ilike"):
            positive = POSITIVE.get(operator, operator)
            sub = [(self.env.registry[field.comodel_name]._rec_name_search,
                    "=" if positive == "in" else positive, value)]
            return self.x2many_any(field, sub, negate=negate)
        if operator not in ("=", "!=", "in", "not in"):
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}")
        if value is False or value is None:
            owners = self.x2many_owner_ids(field, None)
            # '= False' means "linked to nothing"
            return self.model.id.in_(owners) if negate else self.model.id.not_in(owners)
        ids = value if isinstance(value, (list, tuple)) else [value]
        clean = [self.convert(self.model.id, v, triple) for v in ids if v is not False and v is not None]
        if not clean:
            return TRUE if negate else FALSE
        owners = self.x2many_owner_ids(field, [_raw(i) for i in clean])
        return self.model.id.not_in(owners) if negate else self.model.id.in_(owners)

    def hierarchy(self, field: Any, leaf: Leaf, triple: tuple) -> Any:
        """child_of / parent_of on ``id``, a many2one or an x2many to a tree."""
        if isinstance(field, F.Id):
            comodel, target = self.model, None
        elif isinstance(field, (F.Many2oneColumn, F.One2many, F.Many2many)):
            comodel, target = self.env.registry[field.comodel_name], field
        else:
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}: child_of needs a relational field")
        parent = comodel._fields.get(comodel._parent_name)
        upwards = leaf.operator == "parent_of"
        if target is not None and comodel._name == self.model._name \
                and not isinstance(target, F.Many2many):
            # Odoo: on a relation to the model itself, the field *is* the tree
            # link, and the result is the records of the tree (so
            # ('parent_id', 'child_of', x) includes x itself).
            if isinstance(target, F.Many2oneColumn):
                parent = target
            else:               # a one2many walks its inverse the other way
                parent, upwards = comodel._fields[target.inverse_name], not upwards
            target = None
        value = leaf.value
        if isinstance(value, str):
            # Odoo resolves a name with _name_search (active_test applies)
            start: Any = comodel._id_query(self.env, [(comodel._rec_name_search, "ilike", value)])
        else:
            values = value if isinstance(value, (list, tuple)) else [value]
            start = [self.convert(comodel.id, v, triple) for v in values if v is not False]
            if not start:
                return FALSE
        if parent is None:
            tree: Any = start if not isinstance(start, list) else [_raw(i) for i in start]
        else:
            tree = recursive_ids(comodel, parent, start, upwards)
        if target is None:
            return self.model.id.in_(tree)
        if isinstance(target, F.Many2oneColumn):
            return target.in_(tree)
        return self.model.id.in_(self.x2many_owner_ids(target, tree))


def recursive_ids(model: Any, parent: Any, start: Any, upwards: bool) -> Any:
    """``start`` ids (a list or a subquery) with all their descendants (or ancestors).

    Identifiers come from model metadata, never from the request.
    """
    table, pcol = model._meta.table_name, parent.column_name
    if isinstance(start, list):
        seed = EnclosedNodeList([_raw(i) for i in start])
    else:   # a subquery renders its own parentheses; more would make it a scalar
        seed = start
    link = 't."id" = h.parent' if upwards else f't."{pcol}" = h.id'
    return EnclosedNodeList([NodeList([
        SQL(f'WITH RECURSIVE h(id, parent) AS (SELECT "id", "{pcol}" FROM "{table}" WHERE "id" IN'),
        seed,
        SQL(f'UNION SELECT t."id", t."{pcol}" FROM "{table}" AS t JOIN h ON {link})'),
        SQL("SELECT id FROM h"),
    ])])


def ends_with_escape(pattern: str) -> bool:
    """Whether a LIKE pattern ends with a lone ``\\`` (escaping nothing)."""
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return trailing % 2 == 1


def like_to_glob(pattern: str) -> str:
    """A LIKE pattern (with ``\\`` escapes) -> the equivalent case-sensitive GLOB pattern."""
    out: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(f"[{char}]" if char in "*?[" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        elif char in "*?[":
            out.append(f"[{char}]")
        else:
            out.append(char)
    if escaped:
        out.append("\\")
    return "".join(out)


COLUMN_OPERATORS: dict[str, Callable[..., Any]] = {
    "=": DomainCompiler._eq,
    "!=": DomainCompiler._ne,
    "=?": DomainCompiler._eq_optional,
    "in": DomainCompiler._in,
    "not in": DomainCompiler._not_in,
    "<": DomainCompiler._compare(None, "<"),  # type: ignore[arg-type]
    ">": DomainCompiler._compare(None, ">"),  # type: ignore[arg-type]
    "<=": DomainCompiler._compare(None, "<="),  # type: ignore[arg-type]
    ">=": DomainCompiler._compare(None, ">="),  # type: ignore[arg-type]
    **{op: DomainCompiler._like(None, op) for op in LIKE_OPERATORS},  # type: ignore[arg-type]
}
