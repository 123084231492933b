"""Odoo domains decided in Python, over records held in memory.

Why this exists: some callers must decide whether a record belongs to a
domain without asking the database. Offline sync (which cached records a
POS domain selects) and bus filtering (which subscribers a changed record
concerns) hold the records already; a query per decision would cost more
than the decision. And the tests use this module as an *independent oracle*
for ``compile.py``: the same domain, run through SQL and through here, must
select the same ids.

Semantics are exactly those of ``compile.py`` (Odoo 17's ``expression.py``),
down to SQL's three-valued logic: a comparison with a NULL column is
*unknown* (``None`` here), which only a later ``IS NULL`` branch can turn
into a match, and ``NOT unknown`` is still unknown. That matters for the few
leaves ``parse`` leaves under a ``Not`` (``=?``, ``=like``, ``child_of``...).

Like the compiler, a domain is first turned into a predicate once (every
error is raised then, whatever the data), then applied to each record.

Data (pure: no I/O; the caller loads it):

* ``data``: model name -> {id: {field name: raw value}}; raw means as stored
  (``None`` for NULL, a many2one is an id, a boolean may be 0/1, datetimes
  are ``'YYYY-MM-DD HH:MM:SS'``); a many2many field holds the list of
  linked ids; one2many values are derived from the comodel's inverse field.
* ``meta``: model name -> :class:`ModelMeta` (see :func:`describe`).

Record rules are not applied (the superuser's view): give the evaluator the
records the caller may see.
"""
from __future__ import annotations

import operator as op
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

from .values import TEXT_TYPES, convert_value
from .compile import POSITIVE, ends_with_escape
from .normalize import (FALSE_LEAF, NEGATIVE_TERM_OPERATORS, TRUE_LEAF, Bool, Leaf, Node, Not,
                        leaf_repr, mentions_field, parse)

Truth = Optional[bool]
Record = Mapping[str, Any]
Predicate = Callable[[Record], Truth]

X2MANY = ("one2many", "many2many")
RELATIONAL = ("many2one",) + X2MANY
COMPARISONS = {"<": op.lt, ">": op.gt, "<=": op.le, ">=": op.ge}


@dataclass(frozen=True)
class FieldMeta:
    type: str                       # Odoo's ttype; 'id' for the id field
    comodel: str | None = None
    inverse: str | None = None      # one2many: the comodel's many2one
    stored: bool = True
    search: Callable[[str, Any], Any] | None = None   # non-stored: (op, value) -> domain


@dataclass(frozen=True)
class ModelMeta:
    name: str
    fields: Mapping[str, FieldMeta]
    rec_name_search: str = "name"
    parent_name: str = "parent_id"
    active: str | None = None       # the name of the active field, if any


def describe(models: Iterable[Any]) -> dict[str, ModelMeta]:
    """Metadata of registry model classes (pure: reads class attributes only)."""
    from .. import fields as F

    result = {}
    for cls in models:
        fields: dict[str, FieldMeta] = {}
        for name, fld in cls._fields.items():
            if isinstance(fld, F.Id):
                fields[name] = FieldMeta("id")
            elif isinstance(fld, F.Computed):
                fields[name] = FieldMeta(fld.ttype, stored=False, search=fld.search)
            elif isinstance(fld, F.One2many):
                fields[name] = FieldMeta("one2many", fld.comodel_name, fld.inverse_name)
            else:
                fields[name] = FieldMeta(fld.ttype, getattr(fld, "comodel_name", None))
        active = cls._active_field.name if cls._active_field is not None else None
        result[cls._name] = ModelMeta(cls._name, fields, cls._rec_name_search, cls._parent_name,
                                      active)
    return result


# ---------------------------------------------------------------------------
# Three-valued logic
# ---------------------------------------------------------------------------

def _const(value: Truth) -> Predicate:
    return lambda record: value


def _and(preds: list[Predicate]) -> Predicate:
    def pred(record: Record) -> Truth:
        result: Truth = True
        for child in preds:
            value = child(record)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    return pred


def _or(preds: list[Predicate]) -> Predicate:
    def pred(record: Record) -> Truth:
        result: Truth = False
        for child in preds:
            value = child(record)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    return pred


def _not(child: Predicate) -> Predicate:
    def pred(record: Record) -> Truth:
        value = child(record)
        return None if value is None else not value
    return pred


def like_regex(pattern: str) -> re.Pattern[str]:
    """A LIKE pattern (``%``, ``_``, ``\\`` escapes) -> a regex for ``fullmatch``."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _text(value: Any) -> str:
    """A column's text form (``col::text``); portable for text, integers and dates only."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------

@dataclass
class Evaluator:
    data: Mapping[str, Mapping[int, Record]]
    meta: Mapping[str, ModelMeta]
    #: The context's ``active_test`` (False: archived records everywhere too).
    active_test: bool = True
    _ids: dict[tuple, frozenset] = field(default_factory=dict, repr=False)

    # -- entry points ------------------------------------------------------
    def filter_ids(self, model: str, domain: Any, active_test: bool = True) -> frozenset:
        """The ids ``search(domain)`` selects: the domain AND the active filter."""
        key = (model, repr(domain), active_test)
        if key not in self._ids:
            meta = self.meta[model]
            preds = [self.predicate(model, domain)] if domain else []
            if meta.active and active_test and self.active_test \
                    and not mentions_field(domain, meta.active):
                preds.append(self._eq(meta.active, "boolean", True, (meta.active, "=", True)))
            pred = _and(preds)
            self._ids[key] = frozenset(
                rid for rid, rec in self.data.get(model, {}).items() if pred(rec) is True)
        return self._ids[key]

    def matches(self, model: str, record: Record, domain: Any) -> bool:
        """Whether ``record`` (raw values, with its ``id``) satisfies ``domain``."""
        return self.predicate(model, domain)(record) is True

    def predicate(self, model: str, domain: Any) -> Predicate:
        """Validate ``domain`` (ValueError as the compiler raises them) -> a predicate."""
        return self.node(self.meta[model], parse(domain))

    # -- tree ----------------------------------------------------------------
    def node(self, meta: ModelMeta, node: Node) -> Predicate:
        if isinstance(node, Leaf):
            return self.leaf(meta, node)
        if isinstance(node, Not):
            child = node.child
            if isinstance(child, Leaf) and isinstance(child.path, str) and "." in child.path:
                return self.leaf(meta, child, negate=True)
            return _not(self.node(meta, child))
        assert isinstance(node, Bool)
        children = [self.node(meta, child) for child in node.children]
        return _and(children) if node.operator == "&" else _or(children)

    def leaf(self, meta: ModelMeta, leaf: Leaf, negate: bool = False) -> Predicate:
        triple = (leaf.path, leaf.operator, leaf.value)
        if triple == TRUE_LEAF:
            return _const(True)
        if triple == FALSE_LEAF:
            return _const(False)
        if not isinstance(leaf.path, str):
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}")
        name, *rest = leaf.parts
        fmeta = meta.fields.get(name)
        if fmeta is None:
            raise ValueError(f"Invalid field {meta.name}.{name} in leaf {leaf_repr(triple)}")
        operator, value = leaf.operator, leaf.value
        if rest:
            if fmeta.type not in RELATIONAL:
                raise ValueError(
                    f"Invalid field {meta.name}.{leaf.path} in leaf {leaf_repr(triple)}")
            sub = [(".".join(rest), operator, value)]
            if fmeta.type == "many2one":
                return self._m2o_any(name, fmeta, sub, negate)
            return self._x2many_any(name, fmeta, sub, negate)
        if not fmeta.stored:
            if fmeta.search is None:
                raise ValueError(f"Non-stored field {meta.name}.{name} cannot be searched.")
            return self.node(meta, parse(fmeta.search(operator, value)))
        if operator in ("child_of", "parent_of"):
            return self.hierarchy(meta, name, fmeta, leaf, triple)
        if fmeta.type in X2MANY:
            return self.x2many(name, fmeta, operator, value, triple)
        if fmeta.type == "many2one":
            return self.many2one(name, fmeta, operator, value, triple)
        if operator in ("any", "not any"):
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}: 'any' needs a relational field")
        return self.column(name, fmeta.type, operator, value, triple)

    # -- plain columns ---------------------------------------------------------
    convert = staticmethod(convert_value)

    @staticmethod
    def getter(name: str, ftype: str) -> Callable[[Record], Any]:
        if ftype == "boolean":
            def get(record: Record) -> Any:
                value = record.get(name)
                return None if value is None else bool(value)
            return get
        return lambda record: record.get(name)

    def column(self, name: str, ftype: str, operator: str, value: Any, triple: tuple) -> Predicate:
        if operator in ("=", "!=", "=?"):
            if isinstance(value, (list, tuple)) and operator != "=?":
                return self._in(name, ftype, value, triple, negative=operator == "!=")
            if operator == "=?":
                if value is None or value is False:
                    return _const(True)
                return self.column(name, ftype, "=", value, triple)
            return (self._eq if operator == "=" else self._ne)(name, ftype, value, triple)
        if operator in ("in", "not in"):
            return self._in(name, ftype, value, triple, negative=operator == "not in")
        if operator in COMPARISONS:
            return self._compare(name, ftype, operator, value, triple)
        if operator in ("like", "not like", "ilike", "not ilike", "=like", "=ilike"):
            return self._like(name, ftype, operator, value, triple)
        raise ValueError(f"Invalid leaf {leaf_repr(triple)}")

    def _eq(self, name: str, ftype: str, value: Any, triple: tuple) -> Predicate:
        get = self.getter(name, ftype)
        param = self.convert(ftype, value, triple)
        if param is None:
            return lambda r: get(r) is None
        if ftype == "boolean" and param is False:
            return lambda r: get(r) in (None, False)
        return lambda r: None if get(r) is None else get(r) == param

    def _ne(self, name: str, ftype: str, value: Any, triple: tuple) -> Predicate:
        get = self.getter(name, ftype)
        param = self.convert(ftype, value, triple)
        if param is None:
            return lambda r: get(r) is not None
        if ftype == "boolean" and param is False:       # "set" on a boolean means true
            return lambda r: None if get(r) is None else get(r) is True
        return lambda r: get(r) is None or get(r) != param

    def _compare(self, name: str, ftype: str, operator: str, value: Any,
                 triple: tuple) -> Predicate:
        get, compare = self.getter(name, ftype), COMPARISONS[operator]
        param = self.convert(ftype, value, triple)
        if param is None:
            return _const(False)
        if ftype == "datetime" and isinstance(value, str) and len(value.strip()) == 10:
            param = param[:10] + (" 23:59:59" if operator in (">", "<=") else " 00:00:00")
        return lambda r: None if get(r) is None else compare(get(r), param)

    def _in(self, name: str, ftype: str, value: Any, triple: tuple, negative: bool) -> Predicate:
        get = self.getter(name, ftype)
        if not isinstance(value, (list, tuple, set)):
            value = [value]
        if ftype == "boolean":
            params = {bool(v) for v in value}
            if negative:        # False stands for "false or unset"; keep what remains
                params = {v for v in (True, False) if v not in params}
            has_null = False in params
            unset: Truth = True if has_null else (None if params else False)
            return lambda r: unset if get(r) is None else get(r) in params
        has_null = any(v is False or v is None for v in value)
        params = {self.convert(ftype, v, triple) for v in value if v is not False and v is not None}
        if not negative:
            def member(r: Record) -> Truth:
                current = get(r)
                if current is None:
                    return True if has_null else (None if params else False)
                return current in params
            return member
        if has_null:
            return lambda r: get(r) is not None and get(r) not in params
        return lambda r: get(r) is None or get(r) not in params

    def _like(self, name: str, ftype: str, operator: str, value: Any, triple: tuple) -> Predicate:
        get = self.getter(name, ftype)
        negative = operator.startswith("not ")
        base = operator.replace("not ", "")
        wildcard = base in ("like", "ilike")
        if isinstance(value, (list, tuple, dict)):
            raise ValueError(f"Invalid value {value!r} in leaf {leaf_repr(triple)}")
        if wildcard and (value is False or value is None or value == ""):
            return (lambda r: get(r) is None) if negative else _const(True)
        if value is None or value is False:
            return lambda r: get(r) is None
        pattern = f"%{value}%" if wildcard else str(value)
        if ends_with_escape(pattern):
            raise ValueError(f"Invalid value {value!r} in leaf {leaf_repr(triple)}: "
                             "the pattern ends with an escape character")
        as_text = (lambda v: v) if ftype in TEXT_TYPES else _text
        if base.endswith("ilike"):      # PostgreSQL's ILIKE: lower() both sides
            pattern, text = pattern.lower(), (lambda v: as_text(v).lower())
        else:
            text = as_text
        regex = like_regex(pattern)
        if negative:
            return lambda r: get(r) is None or regex.fullmatch(text(get(r))) is None
        return lambda r: None if get(r) is None else regex.fullmatch(text(get(r))) is not None

    # -- relations -------------------------------------------------------------
    def _member(self, name: str, ids: frozenset | set, negative: bool) -> Predicate:
        """``col IN ids`` (unknown on NULL), or ``col NOT IN ids OR col IS NULL``."""
        if negative:
            return lambda r: r.get(name) is None or r.get(name) not in ids
        return lambda r: None if r.get(name) is None else r.get(name) in ids

    def _m2o_any(self, name: str, fmeta: FieldMeta, domain: Any, negative: bool) -> Predicate:
        return self._member(name, self.filter_ids(fmeta.comodel, domain, active_test=False),
                            negative)

    def many2one(self, name: str, fmeta: FieldMeta, operator: str, value: Any,
                 triple: tuple) -> Predicate:
        if operator in ("any", "not any"):
            return self._m2o_any(name, fmeta, value, operator == "not any")
        if isinstance(value, str) and not value.isdigit() and operator not in COMPARISONS:
            positive = POSITIVE.get(operator, operator)
            positive = "=" if positive == "in" else positive
            comodel = self.meta[fmeta.comodel]
            ids = self.filter_ids(comodel.name, [(comodel.rec_name_search, positive, value)],
                                  active_test=False)
            return self._member(name, ids, operator in NEGATIVE_TERM_OPERATORS)
        return self.column(name, "many2one", operator, value, triple)

    def linked(self, name: str, fmeta: FieldMeta, related: Iterable[Any] | None,
               negative: bool) -> Predicate:
        """Linked through x2many ``name`` to one of ``related`` (to anything if None), or not.

        A many2many is read from the record itself (so a record that is not in
        ``data`` yet, the one a bus message is about, can be decided); a
        one2many from the comodel's inverse column, as the SQL does.
        """
        related = None if related is None else frozenset(related)
        if fmeta.type == "one2many":
            inverse = fmeta.inverse
            owners = frozenset(
                rec[inverse] for rid, rec in self.data.get(fmeta.comodel, {}).items()
                if rec.get(inverse) is not None and (related is None or rid in related))
            return self._member("id", owners, negative)

        def pred(record: Record) -> Truth:
            targets = record.get(name) or ()
            found = any(related is None or target in related for target in targets)
            return found is not negative
        return pred

    def _x2many_any(self, name: str, fmeta: FieldMeta, domain: Any, negative: bool) -> Predicate:
        return self.linked(name, fmeta, self.filter_ids(fmeta.comodel, domain), negative)

    def x2many(self, name: str, fmeta: FieldMeta, operator: str, value: Any,
               triple: tuple) -> Predicate:
        if operator in ("any", "not any"):
            return self._x2many_any(name, fmeta, value, operator == "not any")
        negative = operator in NEGATIVE_TERM_OPERATORS
        if isinstance(value, str) or operator in ("like", "ilike", "=like", "=ilike", "not like",
                                                  "not ilike"):
            positive = POSITIVE.get(operator, operator)
            sub = [(self.meta[fmeta.comodel].rec_name_search,
                    "=" if positive == "in" else positive, value)]
            return self._x2many_any(name, fmeta, sub, negative)
        if operator not in ("=", "!=", "in", "not in"):
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}")
        if value is False or value is None:     # '= False': linked to nothing
            return self.linked(name, fmeta, None, not negative)
        ids = value if isinstance(value, (list, tuple)) else [value]
        clean = [self.convert("id", v, triple) for v in ids if v is not False and v is not None]
        if not clean:
            return _const(negative)
        return self.linked(name, fmeta, clean, negative)

    def hierarchy(self, meta: ModelMeta, name: str, fmeta: FieldMeta, leaf: Leaf,
                  triple: tuple) -> Predicate:
        """child_of / parent_of: the start records with their descendants (ancestors)."""
        if fmeta.type == "id":
            comodel, target = meta, None
        elif fmeta.type in RELATIONAL:
            comodel, target = self.meta[fmeta.comodel], fmeta
        else:
            raise ValueError(f"Invalid leaf {leaf_repr(triple)}: child_of needs a relational field")
        parent = comodel.parent_name if comodel.parent_name in comodel.fields else None
        upwards = leaf.operator == "parent_of"
        if target is not None and comodel.name == meta.name and target.type != "many2many":
            if target.type == "many2one":
                parent = name
            else:
                parent, upwards = target.inverse, not upwards
            target = None
        value = leaf.value
        if isinstance(value, str):
            start = set(self.filter_ids(comodel.name, [(comodel.rec_name_search, "ilike", value)]))
        else:
            values = value if isinstance(value, (list, tuple)) else [value]
            start = {self.convert("id", v, triple) for v in values if v is not False}
            if not start:
                return _const(False)
        tree = start if parent is None else self.walk(comodel.name, parent, start, upwards)
        if target is None:
            return self._member("id", tree, False)
        if target.type == "many2one":
            return self._member(name, tree, False)
        return self.linked(name, target, tree, False)

    def walk(self, model: str, parent: str, start: set, upwards: bool) -> frozenset:
        """Existing ``start`` records and every record below (or above) them."""
        records = self.data.get(model, {})
        found = {rid for rid in start if rid in records}
        todo = set(found)
        while todo:
            if upwards:
                step = {records[rid].get(parent) for rid in todo}
                step = {rid for rid in step if rid in records}
            else:
                step = {rid for rid, rec in records.items() if rec.get(parent) in todo}
            todo = step - found
            found |= todo
        return frozenset(found)


def filter_ids(data: Mapping[str, Mapping[int, Record]], domain: Any, model: str,
               meta: Mapping[str, ModelMeta], active_test: bool = True) -> frozenset:
    """The ids of ``model`` in ``data`` that ``search(domain)`` would return."""
    return Evaluator(data, meta, active_test).filter_ids(model, domain)


def matches(record: Record, domain: Any, model: str, data: Mapping[str, Mapping[int, Record]],
            meta: Mapping[str, ModelMeta]) -> bool:
    """Whether one record satisfies ``domain`` (relations followed through ``data``)."""
    return Evaluator(data, meta).matches(model, record, domain)
