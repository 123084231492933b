"""The domain helpers as pure functions (no database): normalization, negation,
the tree ``parse`` builds, AND/OR combination, LIKE -> GLOB, and the Python
evaluator on a small in-memory dataset.

Expected values are Odoo's (``odoo/osv/expression.py``) where the helper
mirrors one of Odoo's; the deliberate differences are named in the case ids.
"""
from __future__ import annotations

from typing import Any

import pytest

from models.domain.compile import ends_with_escape, like_to_glob
from models.domain.evaluate import Evaluator, FieldMeta, ModelMeta, like_regex
from models.domain.normalize import (FALSE_LEAF, MAX_DEPTH, MAX_TOKENS, TRUE_LEAF, AND_, OR_, Bool,
                                     Leaf, Not, depth, distribute_not, is_leaf, leaf_repr,
                                     mentions_field, normalize_domain, parse)

A, B, C, D = ("a", "=", 1), ("b", "=", 2), ("c", "=", 3), ("d", "=", 4)
NOT_A, NOT_B = ("a", "!=", 1), ("b", "!=", 2)


# ---------------------------------------------------------------------------
# normalize_domain
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("domain, expected", [
    pytest.param([], [TRUE_LEAF], id="empty_is_true"),
    pytest.param((), [TRUE_LEAF], id="empty_tuple"),
    pytest.param([A], [A], id="one_leaf"),
    pytest.param([list(A)], [A], id="list_leaf_becomes_tuple"),
    pytest.param([A, B], ["&", A, B], id="implicit_and"),
    pytest.param([A, B, C], ["&", "&", A, B, C], id="implicit_and_three"),
    pytest.param(["|", A, B, C], ["&", "|", A, B, C], id="or_then_implicit_and"),
    pytest.param([A, "|", B, C], ["&", A, "|", B, C], id="leaf_then_or"),
    pytest.param(["!", A, B], ["&", "!", A, B], id="not_then_implicit_and"),
    pytest.param(["&", A, B], ["&", A, B], id="explicit_and_kept"),
    pytest.param([("a", "<>", 1)], [("a", "!=", 1)], id="diamond_is_ne"),
    pytest.param([("a", "LIKE", "x")], [("a", "like", "x")], id="operator_lowercased"),
    pytest.param([("a", "in", True)], [("a", "=", True)], id="in_bool_is_eq"),
    pytest.param([("a", "not in", False)], [("a", "!=", False)], id="not_in_bool_is_ne"),
    pytest.param([("a", "=", [1, 2])], [("a", "in", [1, 2])], id="eq_list_is_in"),
    pytest.param([("a", "!=", (1,))], [("a", "not in", (1,))], id="ne_tuple_is_not_in"),
    pytest.param([TRUE_LEAF, FALSE_LEAF], ["&", TRUE_LEAF, FALSE_LEAF], id="boolean_leaves"),
    pytest.param([("a.b.c", "any", [])], [("a.b.c", "any", [])], id="path_and_any"),
])
def test_normalize_domain(domain: Any, expected: list[Any]) -> None:
    assert normalize_domain(domain) == expected


@pytest.mark.parametrize("domain, message", [
    pytest.param("a = 1", "a domain is a list", id="string"),
    pytest.param(None, "a domain is a list", id="none"),
    pytest.param({"a": 1}, "a domain is a list", id="dict"),
    pytest.param(["&", A], "wrong number of operands", id="and_one_operand"),
    pytest.param(["|"], "wrong number of operands", id="lone_or"),
    pytest.param(["!"], "wrong number of operands", id="lone_not"),
    pytest.param(["&"], "wrong number of operands", id="lone_and"),
    pytest.param([("a", "like2", 1)], "Invalid leaf ('a', 'like2', 1)", id="unknown_operator"),
    pytest.param([("a", "=")], "Invalid leaf ('a', '=')", id="short_leaf"),
    pytest.param([("a", "=", 1, 2)], "Invalid leaf ('a', '=', 1, 2)", id="long_leaf"),
    pytest.param([("", "=", 1)], "Invalid leaf ('', '=', 1)", id="empty_field"),
    pytest.param([(3, "=", 1)], "Invalid leaf (3, '=', 1)", id="numeric_field"),
    pytest.param([("a", None, 1)], "Invalid leaf ('a', None, 1)", id="none_operator"),
    pytest.param(["a", "=", 1], "Invalid leaf 'a'", id="flat_leaf"),
    pytest.param([A, 7], "Invalid leaf 7", id="number_token"),
    pytest.param(["^", A, B], "Invalid leaf '^'", id="unknown_domain_operator"),
    pytest.param([A] * (MAX_TOKENS + 1), f"more than {MAX_TOKENS} elements", id="too_long"),
])
def test_normalize_domain_errors(domain: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        normalize_domain(domain)
    assert type(info.value) is ValueError and message in str(info.value)


@pytest.mark.parametrize("element, expected", [
    (A, True), (list(A), True), (TRUE_LEAF, True), (FALSE_LEAF, True), ((1, "=", 0), False),
    (("a", "<>", 1), True), (("a", "ANY", []), True), (("a", "=", 1, 2), False), ("&", False),
    (("", "=", 1), False), ((None, "=", 1), False), (("a", 1, 1), False),
])
def test_is_leaf(element: Any, expected: bool) -> None:
    assert is_leaf(element) is expected


# ---------------------------------------------------------------------------
# distribute_not
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("domain, expected", [
    pytest.param([A], [A], id="no_not"),
    pytest.param(["!", A], [NOT_A], id="not_eq"),
    pytest.param(["!", "!", A], [A], id="double_not"),
    pytest.param(["!", "&", A, B], ["|", NOT_A, NOT_B], id="de_morgan_and"),
    pytest.param(["!", "|", A, "!", B], ["&", NOT_A, B], id="de_morgan_or_inner_not"),
    pytest.param(["&", "!", A, B], ["&", NOT_A, B], id="not_on_first_operand_only"),
    pytest.param(["!", ("a", "<", 1)], [("a", ">=", 1)], id="lt"),
    pytest.param(["!", ("a", ">=", 1)], [("a", "<", 1)], id="ge"),
    pytest.param(["!", ("a", "in", [1])], [("a", "not in", [1])], id="in"),
    pytest.param(["!", ("a", "not ilike", "x")], [("a", "ilike", "x")], id="not_ilike"),
    pytest.param(["!", ("a", "any", [A])], [("a", "not any", [A])], id="any"),
    pytest.param(["!", ("a", "=?", 1)], ["!", ("a", "=?", 1)], id="eq_optional_kept"),
    pytest.param(["!", ("a", "=like", "x")], ["!", ("a", "=like", "x")], id="eqlike_kept"),
    pytest.param(["!", ("a", "child_of", 1)], ["!", ("a", "child_of", 1)], id="child_of_kept"),
    pytest.param(["!", TRUE_LEAF], [FALSE_LEAF], id="true_leaf"),
    pytest.param(["!", FALSE_LEAF], [TRUE_LEAF], id="false_leaf"),
    pytest.param(["!", ("a.b", "=", 1)], [("a.b", "!=", 1)], id="path_negated_like_odoo_16"),
])
def test_distribute_not(domain: list[Any], expected: list[Any]) -> None:
    assert distribute_not(normalize_domain(domain)) == expected


@pytest.mark.parametrize("domain, expected", [
    pytest.param(["!", ("a.b", "=", 1)], ["!", ("a.b", "=", 1)], id="path_keeps_not"),
    pytest.param(["!", "&", ("a.b", "=", 1), B], ["|", "!", ("a.b", "=", 1), NOT_B],
                 id="path_in_de_morgan"),
    pytest.param(["!", "!", ("a.b", "=", 1)], [("a.b", "=", 1)], id="path_double_not"),
    pytest.param(["!", A], [NOT_A], id="plain_leaf_still_negated"),
])
def test_distribute_not_keeping_paths(domain: list[Any], expected: list[Any]) -> None:
    """Odoo 17 makes ``rel.x`` an ``any`` before negating: '!' must stay above paths."""
    assert distribute_not(normalize_domain(domain), negate_paths=False) == expected


# ---------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------

def L(leaf: tuple) -> Leaf:
    return Leaf(*leaf)


@pytest.mark.parametrize("domain, expected", [
    pytest.param([], L(TRUE_LEAF), id="empty"),
    pytest.param([A], L(A), id="leaf"),
    pytest.param([A, B, C], Bool("&", (L(A), L(B), L(C))), id="implicit_and_flattened"),
    pytest.param(["|", "|", A, B, C], Bool("|", (L(A), L(B), L(C))), id="or_chain_flattened"),
    pytest.param(["|", A, "|", B, C], Bool("|", (L(A), L(B), L(C))), id="right_or_chain"),
    pytest.param(["&", "|", A, B, C], Bool("&", (Bool("|", (L(A), L(B))), L(C))),
                 id="mixed_not_flattened"),
    pytest.param(["&", "&", A, B, "&", C, D], Bool("&", (L(A), L(B), L(C), L(D))),
                 id="and_of_ands"),
    pytest.param(["|", "&", A, B, "&", C, D],
                 Bool("|", (Bool("&", (L(A), L(B))), Bool("&", (L(C), L(D))))), id="or_of_ands"),
    pytest.param(["!", "&", A, B], Bool("|", (L(NOT_A), L(NOT_B))), id="not_distributed"),
    pytest.param(["!", ("a", "=?", 1)], Not(L(("a", "=?", 1))), id="not_kept_for_eq_optional"),
    pytest.param(["!", ("a.b", "=", 1)], Not(L(("a.b", "=", 1))), id="not_kept_for_path"),
    pytest.param([("a", "<>", 1)], L(("a", "!=", 1)), id="leaf_normalized"),
])
def test_parse(domain: list[Any], expected: Any) -> None:
    assert parse(domain) == expected


@pytest.mark.parametrize("size", [2, 100, 5000])
@pytest.mark.parametrize("operator", ["&", "|"])
def test_parse_flattens_long_chains(size: int, operator: str) -> None:
    """Long AND/OR chains (a POS loading thousands of ids as '|' leaves) stay 2 deep."""
    leaves = [("id", "=", i) for i in range(size)]
    tree = parse([operator] * (size - 1) + leaves)
    assert isinstance(tree, Bool) and tree.operator == operator
    assert [child.value for child in tree.children] == list(range(size))
    assert depth(tree) == 2


def test_parse_implicit_and_of_many_leaves_is_flat() -> None:
    tree = parse([("id", "=", i) for i in range(MAX_TOKENS)])
    assert isinstance(tree, Bool) and len(tree.children) == MAX_TOKENS and depth(tree) == 2


@pytest.mark.parametrize("domain", [
    pytest.param(["&", "|"] * MAX_DEPTH + [A] * (2 * MAX_DEPTH + 1), id="alternating"),
    pytest.param(["!", "&"] * MAX_DEPTH + [A] * (MAX_DEPTH + 1), id="negated_ands"),
])
def test_parse_refuses_deep_nesting(domain: list[Any]) -> None:
    with pytest.raises(ValueError, match="nested deeper than"):
        parse(domain)


def test_parse_accepts_nesting_up_to_the_limit() -> None:
    levels = MAX_DEPTH - 1
    domain = ["&", "|"] * (levels // 2) + ["&"] * (levels % 2) + [A] * (levels + 1)
    assert depth(parse(domain)) == MAX_DEPTH


def test_many_nots_fold_into_the_leaf() -> None:
    assert parse(["!"] * 1001 + [A]) == L(NOT_A)


# ---------------------------------------------------------------------------
# AND_ / OR_
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("domains, expected", [
    pytest.param([], [TRUE_LEAF], id="nothing"),
    pytest.param([[A]], [A], id="one"),
    pytest.param([[A], [B]], ["&", A, B], id="two"),
    pytest.param([[A], [B], [C]], ["&", "&", A, B, C], id="three"),
    pytest.param([[A, B], [C]], ["&", "&", A, B, C], id="implicit_and_inside"),
    pytest.param([["|", A, B], [C]], ["&", "|", A, B, C], id="or_inside"),
    pytest.param([[TRUE_LEAF], [A]], [A], id="unit_skipped"),
    pytest.param([[], [A], None], [A], id="empty_and_none_skipped"),
    pytest.param([[FALSE_LEAF], [A]], [FALSE_LEAF], id="zero_absorbs"),
    pytest.param([[A], [FALSE_LEAF]], [FALSE_LEAF], id="zero_absorbs_late"),
    pytest.param(iter([[A], [B]]), ["&", A, B], id="generator"),
])
def test_and(domains: Any, expected: list[Any]) -> None:
    assert AND_(domains) == expected


@pytest.mark.parametrize("domains, expected", [
    pytest.param([], [FALSE_LEAF], id="nothing"),
    pytest.param([[A]], [A], id="one"),
    pytest.param([[A], [B]], ["|", A, B], id="two"),
    pytest.param([[A], [B], [C]], ["|", "|", A, B, C], id="three"),
    pytest.param([[A, B], [C]], ["|", "&", A, B, C], id="and_inside"),
    pytest.param([[FALSE_LEAF], [A]], [A], id="unit_skipped"),
    pytest.param([[TRUE_LEAF], [A]], [TRUE_LEAF], id="zero_absorbs"),
    pytest.param([[], None], [FALSE_LEAF], id="only_empty"),
])
def test_or(domains: Any, expected: list[Any]) -> None:
    assert OR_(domains) == expected


def test_and_or_results_parse() -> None:
    combined = AND_([OR_([[A], [B]]), [C, D]])
    assert parse(combined) == Bool("&", (Bool("|", (L(A), L(B))), L(C), L(D)))


@pytest.mark.parametrize("domain, field, expected", [
    ([("active", "=", False)], "active", True),
    (["|", A, ("active", "in", [True, False])], "active", True),
    ([A], "active", False),
    ([("a", "any", [("active", "=", False)])], "active", False),
    ([], "active", False),
    ("active", "active", False),
    ([("active.x", "=", 1)], "active", True),
])
def test_mentions_field(domain: Any, field: str, expected: bool) -> None:
    assert mentions_field(domain, field) is expected


@pytest.mark.parametrize("leaf, expected", [
    (["name", "=", "x"], "('name', '=', 'x')"),
    (("a", "in", [1, 2]), "('a', 'in', [1, 2])"),
    (5, "5"),
])
def test_leaf_repr_is_odoo_tuple_repr(leaf: Any, expected: str) -> None:
    assert leaf_repr(leaf) == expected


# ---------------------------------------------------------------------------
# LIKE patterns
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, glob", [
    pytest.param("%abc%", "*abc*", id="percent"),
    pytest.param("a_c", "a?c", id="underscore"),
    pytest.param("a\\%b", "a%b", id="escaped_percent"),
    pytest.param("a\\_b", "a_b", id="escaped_underscore"),
    pytest.param("a\\\\b", "a\\b", id="escaped_backslash"),
    pytest.param("a\\bc", "abc", id="escaped_letter"),
    pytest.param("a*b", "a[*]b", id="glob_star_literal"),
    pytest.param("a?b", "a[?]b", id="glob_question_literal"),
    pytest.param("a[b", "a[[]b", id="glob_bracket_literal"),
    pytest.param("a]b^", "a]b^", id="closing_bracket_plain"),
    pytest.param("a\\*", "a[*]", id="escaped_star"),
    pytest.param("ab\\", "ab\\", id="trailing_backslash"),
    pytest.param("Élodie%", "Élodie*", id="unicode"),
    pytest.param("", "", id="empty"),
])
def test_like_to_glob(pattern: str, glob: str) -> None:
    assert like_to_glob(pattern) == glob


@pytest.mark.parametrize("pattern, expected", [
    ("abc", False), ("abc\\", True), ("abc\\\\", False), ("abc\\\\\\", True), ("", False),
    ("\\", True), ("%a\\%", False),
])
def test_ends_with_escape(pattern: str, expected: bool) -> None:
    assert ends_with_escape(pattern) is expected


@pytest.mark.parametrize("pattern, text, expected", [
    ("%abc%", "xxabcxx", True), ("abc", "abcd", False), ("a_c", "abc", True),
    ("a_c", "ac", False), ("a\\_c", "abc", False), ("a\\_c", "a_c", True),
    ("%100\\%%", "Nicole 100% Ford", True), ("%100\\%%", "Nicole 1000 Ford", False),
    ("a\\\\b", "a\\b", True), ("a\\bc", "abc", True), ("%", "", True), ("_", "", False),
    ("a%", "a\nb", True), ("a.c", "abc", False), ("(x)", "(x)", True), ("[a]", "a", False),
])
def test_like_regex(pattern: str, text: str, expected: bool) -> None:
    assert (like_regex(pattern).fullmatch(text) is not None) is expected


# ---------------------------------------------------------------------------
# The evaluator on records in memory (what offline sync does)
# ---------------------------------------------------------------------------

META = {
    "t.node": ModelMeta("t.node", {
        "id": FieldMeta("id"), "name": FieldMeta("char"), "flag": FieldMeta("boolean"),
        "size": FieldMeta("integer"), "when": FieldMeta("datetime"),
        "parent_id": FieldMeta("many2one", "t.node"),
        "child_ids": FieldMeta("one2many", "t.node", "parent_id"),
        "tag_ids": FieldMeta("many2many", "t.tag"), "active": FieldMeta("boolean"),
    }, active="active"),
    "t.tag": ModelMeta("t.tag", {"id": FieldMeta("id"), "name": FieldMeta("char"),
                                 "active": FieldMeta("boolean")}, active="active"),
}


def node(id: int, name: Any, parent: Any = None, flag: Any = None, size: Any = None,
         when: Any = None, tags: Any = (), active: Any = 1) -> dict[str, Any]:
    return {"id": id, "name": name, "parent_id": parent, "flag": flag, "size": size,
            "when": when, "tag_ids": list(tags), "active": active}


DATA = {
    "t.node": {r["id"]: r for r in [
        node(1, "Root", flag=1, size=10, when="2024-01-05 10:00:00", tags=[1]),
        node(2, "Child a", parent=1, flag=0, size=3, tags=[2]),
        node(3, "child B", parent=1, size=None, when="2024-01-06 00:00:00"),
        node(4, None, parent=2, flag=1, size=0, tags=[1, 2]),
        node(5, "Gone", parent=2, active=0, tags=[3]),
    ]},
    "t.tag": {1: {"id": 1, "name": "red", "active": True}, 2: {"id": 2, "name": "blue",
                                                              "active": True},
              3: {"id": 3, "name": "old", "active": False}},
}


@pytest.mark.parametrize("domain, ids", [
    pytest.param([("name", "=", False)], {4}, id="eq_false_null"),
    pytest.param([("name", "!=", "Root")], {2, 3, 4}, id="ne_includes_null"),
    pytest.param([("flag", "=", False)], {2, 3}, id="bool_false_includes_null"),
    pytest.param([("flag", "!=", False)], {1, 4}, id="bool_ne_false"),
    pytest.param([("size", "<", 5)], {2, 4}, id="lt_skips_null"),
    pytest.param([("size", ">", False)], set(), id="compare_false"),
    pytest.param([("name", "ilike", "child")], {2, 3}, id="ilike"),
    pytest.param([("name", "like", "child")], {3}, id="like_case"),
    pytest.param([("name", "not like", "child")], {1, 2, 4}, id="not_like_includes_null"),
    pytest.param([("name", "not ilike", "")], {4}, id="not_ilike_empty"),
    pytest.param([("name", "in", ["Root", False])], {1, 4}, id="in_false"),
    pytest.param([("name", "not in", ["Root", False])], {2, 3}, id="not_in_false"),
    pytest.param([("name", "in", [])], set(), id="in_empty"),
    pytest.param([("name", "not in", [])], {1, 2, 3, 4}, id="not_in_empty"),
    pytest.param([("when", ">", "2024-01-05")], {3}, id="datetime_date_only_gt"),
    pytest.param([("when", "<=", "2024-01-05")], {1}, id="datetime_date_only_le"),
    pytest.param(["!", ("name", "=like", "Root")], {2, 3}, id="not_eqlike_unknown_on_null"),
    pytest.param(["!", ("name", "=?", "Root")], {2, 3}, id="not_eq_optional_unknown_on_null"),
    pytest.param([("parent_id", "=", 1)], {2, 3}, id="m2o_id"),
    pytest.param([("parent_id", "ilike", "root")], {2, 3}, id="m2o_name"),
    pytest.param([("parent_id", "!=", "Root")], {1, 4}, id="m2o_name_ne"),
    pytest.param([("parent_id.name", "=", "Child a")], {4}, id="path"),
    pytest.param(["!", ("parent_id.name", "=", "Child a")], {1, 2, 3}, id="path_not_any"),
    pytest.param([("parent_id.name", "!=", "Child a")], {2, 3}, id="path_any_ne"),
    pytest.param([("child_ids", "=", False)], {3, 4}, id="o2m_none_counts_archived"),
    pytest.param([("child_ids", "any", [("name", "=", "Gone")])], set(), id="o2m_any_active"),
    pytest.param([("tag_ids", "in", [3])], set(), id="m2m_in_archived_owner_archived"),
    pytest.param([("tag_ids", "=", "red")], {1, 4}, id="m2m_name"),
    pytest.param([("tag_ids", "not in", [1])], {2, 3}, id="m2m_not_in"),
    pytest.param([("tag_ids", "=", False)], {3}, id="m2m_none"),
    pytest.param([("id", "child_of", 2)], {2, 4}, id="child_of"),
    pytest.param([("parent_id", "child_of", 2)], {2, 4}, id="child_of_self_m2o"),
    pytest.param([("id", "parent_of", 4)], {1, 2, 4}, id="parent_of"),
    pytest.param([("child_ids", "child_of", 4)], {1, 2, 4}, id="child_of_self_o2m_walks_up"),
    pytest.param(["!", ("parent_id", "child_of", 2)], {1, 3}, id="not_child_of_self"),
    pytest.param([("active", "=", False)], {5}, id="mentions_active"),
])
def test_evaluator(domain: Any, ids: set[int]) -> None:
    assert Evaluator(DATA, META).filter_ids("t.node", domain) == ids


def test_evaluator_context_active_test() -> None:
    evaluator = Evaluator(DATA, META, active_test=False)
    assert evaluator.filter_ids("t.node", [("parent_id", "=", 2)]) == {4, 5}
    assert evaluator.filter_ids("t.node", [("tag_ids", "any", [("name", "=", "old")])]) == {5}


def test_matches_one_record_without_active_filter() -> None:
    evaluator = Evaluator(DATA, META)
    gone = DATA["t.node"][5]
    assert evaluator.matches("t.node", gone, [("name", "=", "Gone")])
    assert not evaluator.matches("t.node", gone, [("parent_id.name", "=", "Root")])
    fresh = node(9, "New", parent=1, tags=[2])      # not in DATA: a record about to be sent
    assert evaluator.matches("t.node", fresh, [("parent_id.name", "=", "Root"),
                                               ("tag_ids", "=", "blue")])


@pytest.mark.parametrize("domain, message", [
    ([("nope", "=", 1)], "Invalid field t.node.nope in leaf ('nope', '=', 1)"),
    ([("name.x", "=", 1)], "Invalid field t.node.name.x in leaf ('name.x', '=', 1)"),
    ([("size", "=", "big")], "Invalid value 'big' in leaf ('size', '=', 'big')"),
    ([("name", "any", [])], "'any' needs a relational field"),
    ([("child_ids", ">", 1)], "Invalid leaf ('child_ids', '>', 1)"),
    ([("name", "=like", "x\\")], "ends with an escape character"),
    ([("parent_id", "any", [("nope", "=", 1)])], "Invalid field t.node.nope"),
])
def test_evaluator_errors_even_without_records(domain: Any, message: str) -> None:
    """Validation does not depend on the data: an empty dataset still refuses."""
    with pytest.raises(ValueError) as info:
        Evaluator({}, META).filter_ids("t.node", domain)
    assert message in str(info.value)
