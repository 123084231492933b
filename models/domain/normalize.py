"""Odoo domains as data: validation, normalization, negation, combination.

Pure functions over lists and tuples (no model, no SQL), mirroring the
helpers of Odoo's ``odoo/osv/expression.py``: implicit AND made explicit,
``!`` pushed down into the leaves (so ``not (a = 1)`` keeps Odoo's meaning,
which includes NULLs, rather than SQL's), and the domain turned into a small
tree that the compiler and the Python evaluator both walk.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Union

NOT, AND, OR = "!", "&", "|"
DOMAIN_OPERATORS = (NOT, AND, OR)

TERM_OPERATORS = (
    "=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like",
    "ilike", "not ilike", "in", "not in", "child_of", "parent_of", "any", "not any",
)
NEGATIVE_TERM_OPERATORS = ("!=", "not like", "not ilike", "not in", "not any")

TERM_OPERATORS_NEGATION = {
    "<": ">=", ">": "<=", "<=": ">", ">=": "<",
    "=": "!=", "!=": "=",
    "in": "not in", "not in": "in",
    "like": "not like", "not like": "like",
    "ilike": "not ilike", "not ilike": "ilike",
    "any": "not any", "not any": "any",
}

TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
TRUE_DOMAIN = [TRUE_LEAF]
FALSE_DOMAIN = [FALSE_LEAF]

#: Limits that keep a hostile domain from costing more than a clean error.
MAX_TOKENS = 10_000
MAX_DEPTH = 64


def leaf_repr(leaf: Any) -> str:
    """Odoo prints leaves as tuples in its error messages."""
    try:
        return repr(tuple(leaf))
    except TypeError:
        return repr(leaf)


def is_leaf(element: Any) -> bool:
    return (
        isinstance(element, (list, tuple))
        and len(element) == 3
        and isinstance(element[1], str)
        and (element[1].lower() in TERM_OPERATORS or element[1] == "<>")
        and ((isinstance(element[0], str) and bool(element[0]))
             or tuple(element) in (TRUE_LEAF, FALSE_LEAF))
    )


def normalize_leaf(element: Any) -> tuple[Any, str, Any]:
    left, operator, right = element
    operator = operator.lower()
    if operator == "<>":
        operator = "!="
    if isinstance(right, bool) and operator in ("in", "not in"):
        operator = "=" if operator == "in" else "!="
    if isinstance(right, (list, tuple)) and operator in ("=", "!="):
        operator = "in" if operator == "=" else "not in"
    return left, operator, right


def normalize_domain(domain: Any) -> list[Any]:
    """Make every implicit '&' explicit; validate arity. Raises ValueError."""
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Invalid domain {domain!r}: a domain is a list")
    if len(domain) > MAX_TOKENS:
        raise ValueError(f"Invalid domain: more than {MAX_TOKENS} elements")
    if not domain:
        return [TRUE_LEAF]
    result: list[Any] = []
    expected = 1
    arity = {NOT: 1, AND: 2, OR: 2}
    for token in domain:
        if expected == 0:
            result[0:0] = [AND]
            expected = 1
        if isinstance(token, (list, tuple)):
            if not is_leaf(token):
                raise ValueError(f"Invalid leaf {leaf_repr(token)}")
            expected -= 1
            result.append(normalize_leaf(token))
        elif isinstance(token, str) and token in arity:
            expected += arity[token] - 1
            result.append(token)
        else:
            raise ValueError(f"Invalid leaf {token!r}")
    if expected != 0:
        raise ValueError(f"Invalid domain {list(domain)!r}: wrong number of operands")
    return result


def is_path(leaf: Any) -> bool:
    """``partner_id.country_id.code``: a leaf that follows a relation."""
    return isinstance(leaf[0], str) and "." in leaf[0]


def distribute_not(domain: list[Any], negate_paths: bool = True) -> list[Any]:
    """Push every '!' into the leaves below it (Odoo's ``distribute_not``).

    With ``negate_paths=False`` a '!' in front of a dotted path stays there:
    Odoo 17 turns ``rel.sub op v`` into ``rel any [(sub, op, v)]`` *before*
    negating, so ``!`` of it means "no related record matches" (``not any``,
    which includes records without a relation), not "a related record
    matches the negated leaf" (what negating the operator would say).
    """
    result: list[Any] = []
    stack = [False]
    for token in domain:
        negate = stack.pop()
        if isinstance(token, tuple):
            if negate:
                left, operator, right = token
                if token == TRUE_LEAF:
                    result.append(FALSE_LEAF)
                elif token == FALSE_LEAF:
                    result.append(TRUE_LEAF)
                elif operator in TERM_OPERATORS_NEGATION and (negate_paths or not is_path(token)):
                    result.append((left, TERM_OPERATORS_NEGATION[operator], right))
                else:
                    result.append(NOT)
                    result.append(token)
            else:
                result.append(token)
        elif token == NOT:
            stack.append(not negate)
        else:  # '&' or '|'
            result.append({AND: OR, OR: AND}[token] if negate else token)
            stack.append(negate)
            stack.append(negate)
    return result


# ---------------------------------------------------------------------------
# Tree
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Leaf:
    path: Any           # 'name', 'partner_id.country_id.code', or 1/0 for TRUE/FALSE_LEAF
    operator: str
    value: Any

    @property
    def parts(self) -> list[str]:
        return str(self.path).split(".")


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class Bool:
    """n-ary AND / OR (flattened, so long chains do not nest deeply)."""

    operator: str       # '&' or '|'
    children: tuple["Node", ...]


Node = Union[Leaf, Not, Bool]


def parse(domain: Any) -> Node:
    """A domain -> a tree with '!' pushed down and AND/OR chains flattened.

    '!' stays (as :class:`Not`) only above leaves it cannot be folded into:
    operators without a negation (``=?``, ``=like``, ``child_of``...) and
    dotted paths (see :func:`distribute_not`).
    """
    tokens = distribute_not(normalize_domain(domain), negate_paths=False)
    stack: list[Node] = []
    for token in reversed(tokens):
        if isinstance(token, tuple):
            stack.append(Leaf(*token))
        elif token == NOT:
            stack.append(Not(stack.pop()))
        else:
            first, second = stack.pop(), stack.pop()
            children: list[Node] = []
            for child in (first, second):
                if isinstance(child, Bool) and child.operator == token:
                    children.extend(child.children)
                else:
                    children.append(child)
            stack.append(Bool(token, tuple(children)))
    if len(stack) != 1:
        raise ValueError(f"Invalid domain {domain!r}")
    root = stack[0]
    if depth(root) > MAX_DEPTH:
        raise ValueError(f"Invalid domain: nested deeper than {MAX_DEPTH} levels")
    return root


def depth(node: Node) -> int:
    deepest = 0
    todo: list[tuple[Node, int]] = [(node, 1)]
    while todo:
        current, level = todo.pop()
        deepest = max(deepest, level)
        if isinstance(current, Bool):
            todo.extend((child, level + 1) for child in current.children)
        elif isinstance(current, Not):
            todo.append((current.child, level + 1))
    return deepest


def combine(operator: str, unit: list[Any], zero: list[Any], domains: Iterable[Any]) -> list[Any]:
    result: list[Any] = []
    count = 0
    for domain in domains:
        domain = list(domain) if domain is not None else []
        if domain == unit or not domain:
            continue
        if domain == zero:
            return list(zero)
        result += normalize_domain(domain)
        count += 1
    result = [operator] * (count - 1) + result
    return result or list(unit)


def AND_(domains: Iterable[Any]) -> list[Any]:
    return combine(AND, [TRUE_LEAF], [FALSE_LEAF], domains)


def OR_(domains: Iterable[Any]) -> list[Any]:
    return combine(OR, [FALSE_LEAF], [TRUE_LEAF], domains)


def mentions_field(domain: Any, field: str) -> bool:
    """Whether a domain has a leaf on ``field`` (used for ``active_test``)."""
    if not isinstance(domain, (list, tuple)):
        return False
    return any(
        isinstance(token, (list, tuple)) and len(token) == 3
        and isinstance(token[0], str) and token[0].split(".")[0] == field
        for token in domain
    )
