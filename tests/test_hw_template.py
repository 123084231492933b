"""The receipt template language (hardware_bridge/template.py)."""
from __future__ import annotations

import pytest

from hardware_bridge.receipt import Receipt
from hardware_bridge.template import (
    DEFAULT_KITCHEN_TEMPLATE,
    DEFAULT_RECEIPT_TEMPLATE,
    Block,
    TemplateError,
    compile_template,
    receipt_scope,
)
from tests.test_hw_render import receipt_dict


def render(source: str, **overrides: object) -> list[Block]:
    receipt = Receipt.from_data(receipt_dict(**overrides))
    return compile_template(source).render(receipt_scope(receipt))


def texts(blocks: list[Block]) -> list[str]:
    return [b.left if b.right is None else f"{b.left}|{b.right}" for b in blocks
            if b.kind == "text"]


def test_defaults_compile() -> None:
    compile_template(DEFAULT_RECEIPT_TEMPLATE)
    compile_template(DEFAULT_KITCHEN_TEMPLATE, "kitchen")


@pytest.mark.parametrize("source,line,message", [
    ("{{ order.secret }}", 1, "unknown field 'order.secret'"),
    ("ok\n{{ restaurant.name.__class__ }}", 2, "not a field name"),
    ("{{ __import__('os') }}", 1, "not a field name"),
    ("{{ line.name }}", 1, "unknown field 'line.name'"),            # outside {% lines %}
    ("{% lines %}\n{{ tax.name }}\n{% endlines %}", 2, "unknown field 'tax.name'"),
    ("{% modifiers %}\n{% endmodifiers %}", 1, "unknown directive"),  # only inside lines
    ("{% lines %}\n{% lines %}", 2, "unknown directive"),              # no self-nesting
    ("{% lines %}\n{% taxes %}", 2, "unknown directive"),              # nor cross products
    ("{% bold %}\ntext", 1, "{% bold %} is never closed"),
    ("{% if order.table %}\n\n{% lines %}\n{% endif %}", 4, "closes nothing open"),
    ("{% if order.table %}\nx", 1, "{% if %} is never closed"),
    ("{% endbold %}", 1, "closes nothing open"),
    ("{% for x in order %}", 1, "unknown directive"),
    ("{% include '/etc/passwd' %}", 1, "unknown directive"),
    ("{% if %}", 1, "unknown directive"),
    ("{% %}", 1, "empty"),
    ("a{% fill %}b{% fill %}c", 1, "{% fill %} twice"),
    ("{% fill %}", 1, "between two parts"),
    ("x {% bold %} y", 1, "cannot stand inside a text line"),
    ("{{ order.table", 1, "unbalanced '{{'"),
    ("total }}", 1, "unbalanced '}}'"),
    ("{% cut %}", 1, "unknown directive"),
    ("x" * 20_001, 0, "longer than"),
])
def test_errors_name_the_line(source: str, line: int, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        compile_template(source)
    assert isinstance(caught.value, ValueError)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert message in str(caught.value)


def test_kitchen_namespace_has_no_prices() -> None:
    with pytest.raises(TemplateError, match="unknown field 'totals.total'"):
        compile_template("{{ totals.total }}", "kitchen")
    with pytest.raises(TemplateError, match="unknown field 'line.total'"):
        compile_template("{% lines %}\n{{ line.total }}\n{% endlines %}", "kitchen")


def test_substitution_loops_and_fill() -> None:
    source = ("Hello {{ restaurant.name }} at {{ order.table }}\n"
              "{% lines %}\n{{ line.qty }} x {{ line.name }}{% fill %}{{ line.total }}\n"
              "{% modifiers %}\n + {{ modifier }}\n{% endmodifiers %}\n{% endlines %}\n"
              "{% taxes %}\n{{ tax.name }}{% fill %}{{ tax.amount }}\n{% endtaxes %}\n"
              "{% payments %}\n{{ payment.name }}{% fill %}{{ payment.amount }}\n"
              "{% endpayments %}\n{# staff only #}\n")
    assert texts(render(source)) == [
        "Hello Trattoria Roma at T4",
        "2 x Spaghetti Carbonara|24.00 EUR", " + no pepper", " + extra guanciale",
        "1 x Tiramisu|5.85 EUR", "3 x Negroni|27.00 EUR",
        "VAT 10%|5.17 EUR", "Cash|60.00 EUR",
    ]


@pytest.mark.parametrize("field,overrides,shown", [
    ("order.table", {}, True),
    ("order.table", {"table": ""}, False),
    ("order.guests", {"guests": 0}, False),
    ("totals.change", {"change": 0}, False),
    ("totals.change", {}, True),
    ("totals.subtotal", {"subtotal": None}, False),
    ("order.customer", {"customer": False}, False),
])
def test_if(field: str, overrides: dict, shown: bool) -> None:
    source = f"{{% if {field} %}}\nshown\n{{% endif %}}\nalways"
    assert texts(render(source, **overrides)) == (["shown"] if shown else []) + ["always"]


def test_styles_nest_and_end() -> None:
    source = ("{% center %}\n{% bold %}\n{% big %}\nA\n{% endbig %}\nB\n{% endbold %}\nC\n"
              "{% endcenter %}\nD\n{% right %}\nE\n{% endright %}")
    blocks = render(source)
    assert [(b.left, b.align, b.bold, b.big) for b in blocks] == [
        ("A", "center", True, True), ("B", "center", True, False),
        ("C", "center", False, False), ("D", "left", False, False),
        ("E", "right", False, False)]


def test_rule_logo_qr() -> None:
    source = "{% logo %}\n{% rule %}\n{% qr %}"
    assert [b.kind for b in render(source)] == ["rule", "qr"]       # no logo, no block
    qr = render(source)[-1]
    assert qr.left == "Order 00042-001-0001"
    assert [b.kind for b in render(source, reference="")] == ["rule"]


def test_values_cannot_carry_printer_commands() -> None:
    blocks = render("{{ order.customer }}\n{% lines %}\n{{ line.name }}\n{% endlines %}",
                    customer="Eve\x1bp\x00\x19\xfa", lines=[
                        {"name": "Soup\x1dV\x00\nsecond", "qty": 1, "total": 1}])
    assert texts(blocks) == ["Evep\xfa", "SoupV second"]
    assert not any(ch in b.left for b in blocks for ch in "\x1b\x1d\x00")


def test_template_text_is_cleaned_too() -> None:
    assert texts(render("Hi\x1b@ there")) == ["Hi@ there"]


def test_multiline_fields_become_rows() -> None:
    assert texts(render("{{ restaurant.address }}")) == ["Via Appia 1", "00100 Roma"]
