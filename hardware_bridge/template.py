"""A small, safe, text-only template language for receipts and kitchen tickets.

A restaurant customises its receipt (header lines, wording, what is shown)
without being able to run code or read anything but the receipt: a template
can only name fields of a fixed namespace, checked when it is compiled, so a
bad template is refused when it is saved (:class:`TemplateError`, a
``ValueError`` naming the line, for a 422) rather than when it prints.

Syntax, one construct per line::

    {{ restaurant.name }}             a field; several per line, among free text
    Total{% fill %}{{ totals.total }} left part, padding, right part on one row
    {% center %} ... {% endcenter %}  also {% right %}; default alignment is left
    {% bold %} ... {% endbold %}
    {% big %} ... {% endbig %}        double width and height
    {% rule %}                        a dashed line across the paper
    {% logo %}                        the restaurant's logo, when it has one
    {% qr %}                          a QR code of the order reference
    {% if order.table %} ... {% endif %}   shown when the field is not empty/zero
    {% lines %} ... {% endlines %}    once per order line (``line.*``); inside it
    {% modifiers %} ... {% endmodifiers %}  once per modifier (``modifier``)
    {% taxes %} ... {% endtaxes %}    ``tax.*``;  {% payments %} ... ``payment.*``
    {# a comment #}                   a line holding only a comment is dropped

Block directives stand alone on their line; ``{% fill %}`` is the only
directive inside a text line, once. There is no ``{% cut %}``: the renderer
always ends a document with exactly one cut, so a template can neither waste
paper nor leave a receipt uncut. There are no expressions, filters, attribute
access or loops over anything but the loops above.

Every substituted value is passed through :func:`hardware_bridge.text.clean`
and folded to one line (values that are addresses or footers keep their
newlines and become several rows), so a customer name cannot carry printer
commands.

Compiling gives a tree; rendering it against a scope (built by
:func:`receipt_scope` or ``kitchen.ticket_scope``) gives :class:`Block` rows,
the layout every renderer (ESC/POS, text, PNG) draws the same way.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from .receipt import Receipt
from .text import clean, clean_line

__all__ = [
    "DEFAULT_KITCHEN_TEMPLATE",
    "DEFAULT_RECEIPT_TEMPLATE",
    "DEFAULT_TEMPLATES",
    "SCHEMAS",
    "Block",
    "Template",
    "TemplateError",
    "compile_template",
    "format_qty",
    "receipt_scope",
]

MAX_TEMPLATE_CHARS = 20_000


class TemplateError(ValueError):
    """A template that cannot be compiled; the message names the line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Block:
    """One row of layout. ``kind``: text, rule, logo or qr (``left`` holds its data)."""

    kind: str
    left: str = ""
    right: str | None = None        # set by {% fill %}: right-aligned on the same row
    align: str = "left"
    bold: bool = False
    big: bool = False


# -- namespaces -------------------------------------------------------------------

@dataclass(frozen=True)
class Schema:
    """The fields a template may name: scalars, and loops with their own fields."""

    fields: frozenset[str]
    loops: Mapping[str, Schema] = field(default_factory=dict)


_MODIFIERS = Schema(frozenset({"modifier"}))
SCHEMAS: dict[str, Schema] = {
    "receipt": Schema(
        frozenset({
            "restaurant.name", "restaurant.address", "restaurant.phone", "restaurant.vat",
            "restaurant.website", "order.reference", "order.date", "order.table",
            "order.waiter", "order.guests", "order.customer", "order.note",
            "totals.subtotal", "totals.tax", "totals.total", "totals.paid", "totals.change",
            "header", "footer",
        }),
        {
            "lines": Schema(frozenset({"line.name", "line.qty", "line.price_unit",
                                       "line.discount", "line.total", "line.note"}),
                            {"modifiers": _MODIFIERS}),
            "taxes": Schema(frozenset({"tax.name", "tax.amount", "tax.base"})),
            "payments": Schema(frozenset({"payment.name", "payment.amount"})),
        },
    ),
    "kitchen": Schema(
        frozenset({"ticket.role", "ticket.time", "order.reference", "order.table",
                   "order.waiter", "order.guests", "order.note"}),
        {"lines": Schema(frozenset({"line.name", "line.qty", "line.note", "line.cancelled"}),
                         {"modifiers": _MODIFIERS})},
    ),
}

#: A scope maps each field to (text shown, whether ``{% if %}`` takes it as set);
#: loops map to the list of their items' scopes.
Scope = dict[str, Any]


def value(shown: Any, present: bool | None = None) -> tuple[str, bool]:
    text = "" if shown is None else str(shown)
    return text, bool(text) if present is None else present


def format_qty(qty: Decimal) -> str:
    """``2`` rather than ``2.000``, ``1.5`` rather than ``1.500``."""
    text = f"{qty:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def receipt_scope(receipt: Receipt) -> Scope:
    """The namespace of the receipt template, from a validated receipt."""
    money = receipt.money

    def amount(number: Decimal | None) -> tuple[str, bool]:
        return ("", False) if number is None else (money(number), number != 0)

    paid = sum((p.amount for p in receipt.payments), Decimal(0))
    tax = receipt.tax_total if receipt.tax_total is not None else (
        sum((t.amount for t in receipt.taxes), Decimal(0)) if receipt.taxes else None)
    company = receipt.company
    return {
        "restaurant.name": value(company.name),
        "restaurant.address": value("\n".join(company.address)),
        "restaurant.phone": value(company.phone),
        "restaurant.vat": value(company.vat),
        "restaurant.website": value(company.website),
        "order.reference": value(receipt.reference),
        "order.date": value(receipt.date),
        "order.table": value(receipt.table),
        "order.waiter": value(receipt.waiter),
        "order.guests": value(receipt.guests, receipt.guests > 0),
        "order.customer": value(receipt.customer),
        "order.note": value(receipt.note),
        "totals.subtotal": amount(receipt.subtotal),
        "totals.tax": amount(tax),
        "totals.total": value(money(receipt.total)),
        "totals.paid": amount(paid),
        "totals.change": amount(receipt.change),
        "header": value(receipt.header),
        "footer": value(receipt.footer),
        "lines": [{
            "line.name": value(line.name),
            "line.qty": value(format_qty(line.qty)),
            "line.price_unit": value(money(line.price_unit)),
            "line.discount": value(format_qty(line.discount), line.discount != 0),
            "line.total": value(money(line.total)),
            "line.note": value(line.note),
            "modifiers": [{"modifier": value(m)} for m in line.modifiers],
        } for line in receipt.lines],
        "taxes": [{"tax.name": value(t.name), "tax.amount": amount(t.amount),
                   "tax.base": amount(t.base)} for t in receipt.taxes],
        "payments": [{"payment.name": value(p.name), "payment.amount": value(money(p.amount))}
                     for p in receipt.payments],
        "_logo": receipt.company.logo is not None,
    }


# -- compiled tree ------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    name: str


@dataclass(frozen=True)
class _Text:
    parts: tuple[str | _Field, ...]
    right: tuple[str | _Field, ...] | None


@dataclass(frozen=True)
class _Simple:
    kind: str               # rule, logo, qr


@dataclass(frozen=True)
class _Section:
    kind: str               # style (center/right/bold/big), loop or if
    arg: str
    body: tuple[Any, ...]


_STYLES = ("center", "right", "bold", "big")
_SIMPLE = ("rule", "logo", "qr")
_TOKEN = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}")
_NAME = re.compile(r"[a-z_]+(\.[a-z_]+)?")
_DIRECTIVE_LINE = re.compile(r"\s*\{%(.*?)%\}\s*")
_COMMENT_LINE = re.compile(r"\s*\{#.*#\}\s*")


@dataclass(frozen=True)
class Template:
    kind: str
    body: tuple[Any, ...]

    def render(self, scope: Scope) -> list[Block]:
        """The rows of this template for one document."""
        out: list[Block] = []
        _render(self.body, [scope], Block("text"), out)
        return out


def compile_template(source: str, kind: str = "receipt") -> Template:
    """Parse and check ``source`` against the ``kind`` namespace (receipt, kitchen).

    :raises TemplateError: on a syntax error or an unknown field, naming the line.
    """
    if kind not in SCHEMAS:
        raise ValueError(f"unknown template kind {kind!r}")
    if not isinstance(source, str):
        raise TemplateError(0, "a template is text")
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateError(0, f"longer than {MAX_TEMPLATE_CHARS} characters")
    # (opening line, kind, arg, body, schemas in reach) of each open section
    stack: list[tuple[int, str, str, list[Any], list[Schema]]] = [
        (0, "root", "", [], [SCHEMAS[kind]])]
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.rstrip()
        if _COMMENT_LINE.fullmatch(line):
            continue
        directive = _DIRECTIVE_LINE.fullmatch(line)
        if directive:
            _directive(number, directive.group(1).split(), stack)
        else:
            stack[-1][3].append(_text(number, line, stack[-1][4]))
    if len(stack) > 1:
        opened, kind_, arg = stack[-1][0], stack[-1][1], stack[-1][2]
        name = "if" if kind_ == "if" else arg
        raise TemplateError(opened, f"{{% {name} %}} is never closed")
    return Template(kind, tuple(stack[0][3]))


def _directive(number: int, words: list[str], stack: list[Any]) -> None:
    if not words:
        raise TemplateError(number, "empty {% %}")
    name, args = words[0], words[1:]
    schemas: list[Schema] = stack[-1][4]
    if name in _SIMPLE and not args:
        stack[-1][3].append(_Simple(name))
    elif name in _STYLES and not args:
        stack.append((number, "style", name, [], schemas))
    elif name == "if" and len(args) == 1:
        _check_field(number, args[0], schemas)
        stack.append((number, "if", args[0], [], schemas))
    elif name.startswith("end") and not args:
        opened = name[3:]
        top = stack[-1]
        if len(stack) == 1 or (top[2] if top[1] != "if" else "if") != opened:
            raise TemplateError(number, f"{{% {name} %}} closes nothing open")
        stack.pop()
        stack[-1][3].append(_Section(top[1], top[2], tuple(top[3])))
    elif not args and name in schemas[-1].loops:
        # only the innermost namespace's loops: no loop runs inside itself or another
        # top-level loop, so a template's output stays proportional to the order
        stack.append((number, "loop", name, [], schemas + [schemas[-1].loops[name]]))
    elif name == "fill":
        raise TemplateError(number, "{% fill %} goes between two parts of a text line")
    else:
        raise TemplateError(number, f"unknown directive {{% {' '.join(words)} %}}")


def _check_field(number: int, name: str, schemas: list[Schema]) -> None:
    if not _NAME.fullmatch(name):
        raise TemplateError(number, f"not a field name: {name!r}")
    if not any(name in schema.fields for schema in schemas):
        raise TemplateError(number, f"unknown field {name!r}")


def _text(number: int, line: str, schemas: list[Schema]) -> _Text:
    left: list[str | _Field] = []
    right: list[str | _Field] | None = None
    parts = left
    position = 0
    for match in _TOKEN.finditer(line):
        parts.append(_literal(number, line[position:match.start()]))
        position = match.end()
        if match.group(1) is not None:
            name = match.group(1).strip()
            _check_field(number, name, schemas)
            parts.append(_Field(name))
        elif match.group(2).strip() == "fill" and right is None:
            right = parts = []
        elif match.group(2).strip() == "fill":
            raise TemplateError(number, "{% fill %} twice on one line")
        else:
            raise TemplateError(number, f"{{%{match.group(2)}%}} cannot stand inside a text line")
    parts.append(_literal(number, line[position:]))
    return _Text(tuple(p for p in left if p != ""),
                 None if right is None else tuple(p for p in right if p != ""))


def _literal(number: int, text: str) -> str:
    for opener in ("{{", "}}", "{%", "%}"):
        if opener in text:
            raise TemplateError(number, f"unbalanced {opener!r}")
    return clean(text)


def _render(body: tuple[Any, ...], scopes: list[Scope], style: Block,
            out: list[Block]) -> None:
    for node in body:
        if isinstance(node, _Text):
            left = _join(node.parts, scopes)
            right = None if node.right is None else _join(node.right, scopes)
            rows = left.split("\n")
            for row in rows[:-1]:
                out.append(replace(style, left=row))
            out.append(replace(style, left=rows[-1], right=right))
        elif isinstance(node, _Simple):
            _simple(node.kind, scopes, style, out)
        elif node.kind == "style":
            inner = (replace(style, align=node.arg) if node.arg in ("center", "right")
                     else replace(style, **{node.arg: True}))
            _render(node.body, scopes, inner, out)
        elif node.kind == "if":
            if _lookup(node.arg, scopes)[1]:
                _render(node.body, scopes, style, out)
        else:
            for item in _lookup(node.arg, scopes):
                _render(node.body, scopes + [item], style, out)


def _simple(kind: str, scopes: list[Scope], style: Block, out: list[Block]) -> None:
    if kind == "rule":
        out.append(Block("rule"))
    elif kind == "logo":
        if scopes[0].get("_logo"):
            out.append(Block("logo", align="center"))
    else:
        reference = _lookup("order.reference", scopes)[0] if "order.reference" in scopes[0] \
            else ""
        if reference:
            out.append(Block("qr", left=reference, align="center"))


def _lookup(name: str, scopes: list[Scope]) -> Any:
    for scope in reversed(scopes):
        if name in scope:
            return scope[name]
    raise KeyError(name)        # compile_template checked every name


def _join(parts: tuple[str | _Field, ...], scopes: list[Scope]) -> str:
    pieces = []
    for part in parts:
        if isinstance(part, _Field):
            shown = _lookup(part.name, scopes)[0]
            multiline = part.name in ("restaurant.address", "header", "footer",
                                      "order.note", "line.note")
            pieces.append(clean(shown) if multiline else clean_line(shown))
        else:
            pieces.append(part)
    return "".join(pieces)


DEFAULT_RECEIPT_TEMPLATE = """\
{% logo %}
{% center %}
{% bold %}
{% big %}
{{ restaurant.name }}
{% endbig %}
{% endbold %}
{{ restaurant.address }}
{% if restaurant.phone %}
Tel: {{ restaurant.phone }}
{% endif %}
{% if restaurant.vat %}
VAT: {{ restaurant.vat }}
{% endif %}
{% if header %}
{{ header }}
{% endif %}
{% endcenter %}
{% rule %}
{{ order.reference }}{% fill %}{{ order.date }}
{% if order.table %}
Table: {{ order.table }}
{% endif %}
{% if order.guests %}
Guests: {{ order.guests }}
{% endif %}
{% if order.waiter %}
Served by: {{ order.waiter }}
{% endif %}
{% if order.customer %}
Customer: {{ order.customer }}
{% endif %}
{% rule %}
{% lines %}
{{ line.qty }} x {{ line.name }}{% fill %}{{ line.total }}
{% if line.discount %}
    discount {{ line.discount }}%
{% endif %}
{% modifiers %}
    + {{ modifier }}
{% endmodifiers %}
{% if line.note %}
    {{ line.note }}
{% endif %}
{% endlines %}
{% rule %}
{% if totals.subtotal %}
Subtotal{% fill %}{{ totals.subtotal }}
{% endif %}
{% taxes %}
{{ tax.name }}{% fill %}{{ tax.amount }}
{% endtaxes %}
{% bold %}
{% big %}
TOTAL{% fill %}{{ totals.total }}
{% endbig %}
{% endbold %}
{% payments %}
{{ payment.name }}{% fill %}{{ payment.amount }}
{% endpayments %}
{% if totals.change %}
Change{% fill %}{{ totals.change }}
{% endif %}
{% if order.note %}
{% rule %}
{{ order.note }}
{% endif %}
{% center %}
{% qr %}
{% if footer %}
{{ footer }}
{% endif %}
{% endcenter %}
"""

DEFAULT_KITCHEN_TEMPLATE = """\
{% center %}
{% bold %}
{{ ticket.role }}
{% endbold %}
{% big %}
{% if order.table %}
Table {{ order.table }}
{% endif %}
{% endbig %}
{% endcenter %}
{{ ticket.time }}{% fill %}{{ order.reference }}
{% if order.waiter %}
Waiter: {{ order.waiter }}
{% endif %}
{% if order.guests %}
Guests: {{ order.guests }}
{% endif %}
{% rule %}
{% lines %}
{% big %}
{{ line.qty }} {{ line.name }}
{% endbig %}
{% bold %}
{% if line.cancelled %}
    CANCELLED
{% endif %}
{% modifiers %}
    + {{ modifier }}
{% endmodifiers %}
{% if line.note %}
    ! {{ line.note }}
{% endif %}
{% endbold %}
{% endlines %}
{% if order.note %}
{% rule %}
{{ order.note }}
{% endif %}
"""

DEFAULT_TEMPLATES = {"receipt": DEFAULT_RECEIPT_TEMPLATE, "kitchen": DEFAULT_KITCHEN_TEMPLATE}
