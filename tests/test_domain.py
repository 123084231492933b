"""Domains through the real SQL path, checked against the Python evaluator.

A dedicated dataset (partners with a hierarchy, NULL and non-NULL columns,
names with ``%``, ``_``, backslashes, mixed case and accents; a category
tree; products with many2many taxes; orders with datetimes) is created
through the ORM. Each domain of the table is searched with
``env[model].search`` on both backends, and the expected ids are computed
independently: every row of every model is read back raw from the database
and the domain is evaluated in Python (``models/domain/evaluate.py``). Where
the outcome is a fact of Odoo's semantics worth stating, the case also lists
the names of the dataset records it must select.

Invalid domains must be ``ValueError``s with Odoo's wording, raised while
compiling (before any SQL runs), and leave the data intact.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import peewee
import pytest

from gateway import bootstrap
from models import fields as F
from models.domain.compile import DomainCompiler
from models.domain.evaluate import Evaluator, describe
from models.domain.normalize import MAX_DEPTH, MAX_TOKENS
from tests import conftest as base
from tests.support import assert_odoo_error, call_kw, login

# ---------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------

#: (key, values) in creation order; parent keys refer to earlier records.
PARTNERS: list[tuple[str, dict[str, Any]]] = [
    ("azure", dict(name="Azure Interior", is_company=True, email="info@azure.example",
                   phone="+32 555 01", country="BE", color=3)),
    ("brandon", dict(name="Brandon Freeman", parent="azure", email=False, phone="555-0101",
                     color=5)),
    ("nicole", dict(name="Nicole 100% Ford", parent="azure", email="nicole@azure.example",
                    color=7)),
    ("deco", dict(name="Deco_Addict", is_company=True, email="deco@addict.example",
                  country="FR", color=0)),
    ("deco_space", dict(name="Deco Addict", is_company=True, email="contact@deco.example",
                        country="DE", color=1)),
    ("elodie", dict(name="Élodie Dupré", parent="deco", email="elodie@addict.example",
                    country="FR", color=2)),
    ("junior", dict(name="ÉLODIE Junior", parent="elodie", email=False, phone=False, color=2)),
    ("backslash", dict(name="Back\\Slash Café", email="back\\slash@example.com", country="DE",
                       color=9)),
    ("upper", dict(name="MIXED Case Ltd", is_company=True, email="MIXED@EXAMPLE.COM", color=4)),
    ("lower", dict(name="mixed case ltd", email="mixed@example.com", color=4)),
    ("gemini", dict(name="Gemini Furniture", is_company=True, active=False, country="BE",
                    email="gemini@example.com", color=6)),
    ("edwin", dict(name="Edwin Gemini", parent="gemini", email="edwin@example.com", color=6)),
    ("nullbool", dict(name="Null Bool", email="null@example.com")),   # is_company/color NULL
    ("ghost", dict(name="Ghost Employee", parent="deco_space", active=False, email=False)),
    ("canary", dict(name="Canary", email="canary@example.com", color=1)),
]

CATEGORIES = [("sweets", "Sweets", "all"), ("desserts", "Desserts", "sweets"),
              ("icecream", "Ice Cream", "desserts"), ("beverages", "Beverages", "all"),
              ("hot", "Hot Beverages", "beverages")]

TAXES = [("vat6", "DT VAT 6%", 6.0, True), ("vat21", "DT VAT 21%", 21.0, True),
         ("oldtax", "DT Old Tax", 10.0, False)]

POS_CATEGORIES = [("sweet", "DT Sweet"), ("cold", "DT Cold")]

PRODUCTS: list[tuple[str, dict[str, Any]]] = [
    ("mousse", dict(name="Chocolate Mousse", categ="desserts", list_price=4.5, taxes=["vat6"],
                    pos=["sweet"], barcode="DT-1111", default_code="MOU", available_in_pos=True)),
    ("vanilla", dict(name="Vanilla Ice", categ="icecream", list_price=3.25,
                     taxes=["vat6", "oldtax"], pos=["sweet", "cold"], barcode=False,
                     available_in_pos=True)),
    ("espresso", dict(name="Espresso", categ="hot", list_price=2.0, taxes=["vat21"], pos=[],
                      barcode="DT-2222", default_code="ESP_1")),
    ("water", dict(name="Water 50_cl", categ="beverages", list_price=1.5, taxes=[], pos=["cold"],
                   barcode=False, default_code="PRM%10")),
    ("tart", dict(name="Discontinued Tart", categ="desserts", list_price=5.0, taxes=["vat21"],
                  pos=["sweet"], barcode="DT-3333", active=False)),
    ("cookie", dict(name="Old Tax Cookie", categ="sweets", list_price=2.25, taxes=["oldtax"],
                    pos=[], barcode=False)),
]

ORDERS: list[tuple[str, dict[str, Any]]] = [
    ("o1", dict(partner="brandon", date="2024-01-04 12:00:00", lines=["mousse", "mousse"],
                note="table 5")),
    ("o2", dict(partner="elodie", date="2024-01-05 00:00:00", lines=["espresso", "water"])),
    ("o3", dict(partner="junior", date="2024-01-05 23:59:59", lines=["vanilla"])),
    ("o4", dict(partner=None, date="2024-01-06 00:00:00", lines=[])),
    ("o5", dict(partner="backslash", date="2024-01-05 08:30:00", lines=["tart", "mousse"],
                note="50% off")),
]


async def build_dataset(env: Any) -> dict[str, int]:
    """Create the dataset as the superuser; answer {key: id}."""
    ids: dict[str, int] = {}
    company = (await env["res.company"].search([], limit=1))[0]
    countries = {code: (await env["res.country"].search([("code", "=", code)]))[0]
                 for code in ("BE", "FR", "DE")}
    for key, spec in PARTNERS:
        vals = {k: v for k, v in spec.items() if k not in ("parent", "country")}
        if "parent" in spec:
            vals["parent_id"] = ids[spec["parent"]]
        if "country" in spec:
            vals["country_id"] = countries[spec["country"]]
        ids[key] = await env["res.partner"].create(vals)
    partner = env.registry["res.partner"]
    await env.cr.run(partner.update({partner.is_company: None, partner.color: None})
                     .where(partner.id == ids["nullbool"]))

    ids["all"] = (await env["product.category"].search([("name", "=", "All"),
                                                        ("parent_id", "=", False)]))[0]
    for key, name, parent in CATEGORIES:
        ids[key] = await env["product.category"].create({"name": name, "parent_id": ids[parent]})
    for key, name, amount, active in TAXES:
        ids[key] = await env["account.tax"].create({"name": name, "amount": amount,
                                                    "active": active, "company_id": company})
    for key, name in POS_CATEGORIES:
        ids[key] = await env["pos.category"].create({"name": name})
    for key, spec in PRODUCTS:
        vals = {k: v for k, v in spec.items() if k not in ("categ", "taxes", "pos")}
        vals.update(categ_id=ids[spec["categ"]], company_id=company,
                    taxes_id=[(6, 0, [ids[t] for t in spec["taxes"]])],
                    pos_categ_ids=[(6, 0, [ids[p] for p in spec["pos"]])])
        ids[key] = await env["product.product"].create(vals)
    for key, spec in ORDERS:
        lines = [(0, 0, {"product_id": ids[p], "qty": 1, "price_unit": 1.0,
                         "company_id": company}) for p in spec["lines"]]
        ids[key] = await env["pos.order"].create({
            "partner_id": ids[spec["partner"]] if spec["partner"] else False,
            "date_order": spec["date"], "company_id": company, "lines": lines,
            "note": spec.get("note", False)})
    return ids


async def load_raw(env: Any) -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of every model, raw (NULL is None), with many2many id lists."""
    data: dict[str, dict[int, dict[str, Any]]] = {}
    for name, cls in env.registry.models.items():
        if not cls._auto:           # a model of methods only: no rows
            continue
        columns = [f for f in cls._fields.values() if f.is_column and not isinstance(f, F.Computed)]
        rows = await env.cr.rows(cls.select(*columns))
        records = {row[0]: {c.name: v for c, v in zip(columns, row)} for row in rows}
        for fname, fld in cls._fields.items():
            if isinstance(fld, F.Many2many):
                for record in records.values():
                    record[fname] = []
                rel = peewee.Table(fld.relation, (fld.column1, fld.column2))
                owner, target = getattr(rel, fld.column1), getattr(rel, fld.column2)
                for owner_id, target_id in await env.cr.rows(rel.select(owner, target)):
                    if owner_id in records:
                        records[owner_id][fname].append(target_id)
        data[name] = records
    return data


async def dataset(orm: Any) -> SimpleNamespace:
    """Build the dataset and read the whole database back (one transaction each)."""
    ids = await orm.run(build_dataset)
    data = await orm.run(load_raw)
    return SimpleNamespace(ids=ids, data=data, meta=describe(orm.registry.models.values()))


async def _prepare(database: Any) -> SimpleNamespace:
    orm = base.Orm(database)
    await orm.backend.start()
    try:
        return await dataset(orm)
    finally:
        await orm.close()


@pytest.fixture(scope="module", params=base.BACKENDS)
def shared(request: pytest.FixtureRequest, templates: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """One database per backend with the dataset, for the whole module.

    The table only searches, so its 300-odd tests share it instead of each
    copying a database (``conftest.db``) and rebuilding the dataset: same
    template, same copy procedure, built once.
    """
    kind, tmp = request.param, str(tmp_path_factory.mktemp("domain"))
    name = None
    if kind == "sqlite":
        config = base.make_config(tmp)
        target = bootstrap.backend_for(config).path  # type: ignore[attr-defined]
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(templates("sqlite"), target)
    else:
        if not base.pg_available():
            message = f"PostgreSQL not reachable at {base.PG_URL}"
            if base.REQUIRE_SERVICES:
                pytest.fail(message)
            pytest.skip(message)
        template, name = templates("postgresql"), f"gateway_dom_{uuid.uuid4().hex[:12]}"
        admin = base._pg_admin()
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        admin.close()
        config = base.make_config(tmp, base._pg_url(name))
    database = base.TestDatabase(kind, config)
    try:
        yield SimpleNamespace(database=database, ds=asyncio.run(_prepare(database)))
    finally:
        if name:
            admin = base._pg_admin()
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


@pytest.fixture
async def shared_orm(shared: SimpleNamespace) -> Any:
    """The ORM on the shared database, in this test's event loop."""
    orm = base.Orm(shared.database)
    await orm.backend.start()
    yield orm
    await orm.close()


OWN = {"res.partner": PARTNERS, "product.category": CATEGORIES, "product.product": PRODUCTS,
       "account.tax": TAXES, "pos.category": POS_CATEGORIES}


def names_of(ds: SimpleNamespace, model: str, ids: Any) -> set[str]:
    """Names of the dataset's own records among ``ids`` (demo records left out)."""
    own = {ds.ids[spec[0]] for spec in OWN.get(model, ())}
    return {ds.data[model][i]["name"] for i in ids if i in own}


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

@dataclass
class Case:
    id: str
    model: str
    domain: Callable[[Any], Any]          # refs (key -> id) -> domain
    names: set[str] | None = None         # dataset records it must select, if stated
    context: dict[str, Any] = field(default_factory=dict)


P, PP, PO, PC = "res.partner", "product.product", "pos.order", "product.category"
AZURE_KIDS = {"Azure Interior", "Brandon Freeman", "Nicole 100% Ford"}
AZURE_CONTACTS = AZURE_KIDS - {"Azure Interior"}
NO_EMAIL = {"Brandon Freeman", "ÉLODIE Junior"}
ACTIVE = {spec["name"] for _key, spec in PARTNERS if spec.get("active", True)}


def c(id: str, model: str, domain: Any, names: Any = None, **context: Any) -> Any:
    fn = domain if callable(domain) else (lambda r, d=domain: d)
    return pytest.param(Case(id, model, fn, set(names) if names is not None else None, context),
                        id=id)


CASES = [
    # -- = != <> and False ----------------------------------------------------
    c("eq_char", P, [("name", "=", "Azure Interior")], {"Azure Interior"}),
    c("ne_char_matches_null", P, [("email", "!=", "info@azure.example")]),
    c("ne_keeps_null_rows", P, [("email", "!=", "info@azure.example"),
                                ("name", "in", ["Azure Interior", "Brandon Freeman"])],
      {"Brandon Freeman"}),
    c("diamond_is_ne", P, [("email", "<>", "info@azure.example"),
                           ("parent_id", "=", "Azure Interior")],
      {"Brandon Freeman", "Nicole 100% Ford"}),
    c("eq_false_is_null", P, [("email", "=", False)], NO_EMAIL),
    c("ne_false_is_not_null", P, [("email", "!=", False)]),
    c("eq_none_is_null", P, [("phone", "=", None)]),
    c("bool_eq_false_includes_null", P, [("is_company", "=", False), ("color", "!=", 4)],
      {"Brandon Freeman", "Nicole 100% Ford", "Élodie Dupré", "ÉLODIE Junior", "Back\\Slash Café",
       "Edwin Gemini", "Null Bool", "Canary"}),
    c("bool_eq_true", P, [("is_company", "=", True)],
      {"Azure Interior", "Deco_Addict", "Deco Addict", "MIXED Case Ltd"}),
    c("bool_ne_true", P, [("is_company", "!=", True), ("name", "=", "Null Bool")], {"Null Bool"}),
    c("bool_ne_false", P, [("is_company", "!=", False)]),
    c("bool_in_false", P, [("is_company", "in", [False])]),
    c("bool_not_in_true", P, [("is_company", "not in", [True])]),
    c("bool_not_in_false", P, [("is_company", "not in", [False])]),
    c("int_eq_false_is_null", P, [("color", "=", False)], {"Null Bool"}),
    c("int_eq_zero_is_not_null", P, [("color", "=", 0), ("name", "like", "Deco")], {"Deco_Addict"}),
    c("int_lt", P, [("color", "<", 3)]),
    c("int_ge", P, [("color", ">=", 5)]),
    c("int_le_numeric_string", P, [("color", "<=", "3")]),
    c("int_gt_false_is_false", P, [("color", ">", False)], set()),
    c("eq_optional_false_is_true", P, [("email", "=?", False)]),
    c("eq_optional_value", P, [("email", "=?", "deco@addict.example")], {"Deco_Addict"}),
    # -- like family ----------------------------------------------------------
    c("like_substring", P, [("name", "like", "Free")], {"Brandon Freeman"}),
    c("like_is_case_sensitive", P, [("name", "like", "mixed")], {"mixed case ltd"}),
    c("ilike_ignores_case", P, [("name", "ilike", "MIXED")], {"MIXED Case Ltd", "mixed case ltd"}),
    c("ilike_accented_case", P, [("name", "ilike", "élodie")], {"Élodie Dupré", "ÉLODIE Junior"}),
    c("like_accents_are_not_folded", P, [("name", "ilike", "elodie")], set()),
    c("like_percent_is_a_wildcard", P, [("name", "like", "100%")], {"Nicole 100% Ford"}),
    c("like_percent_escaped", P, [("name", "like", "0\\% F")], {"Nicole 100% Ford"}),
    c("like_percent_escaped_no_match", P, [("name", "like", "1\\%")], set()),
    c("like_underscore_is_a_wildcard", P, [("name", "like", "Deco_Addict")],
      {"Deco_Addict", "Deco Addict"}),
    c("like_underscore_escaped", P, [("name", "like", "Deco\\_Addict")], {"Deco_Addict"}),
    c("like_backslash_escaped", P, [("name", "like", "Back\\\\Slash")], {"Back\\Slash Café"}),
    c("like_backslash_escapes_next", P, [("name", "like", "Back\\Slash")], set()),
    c("like_glob_chars_are_literal", P, [("name", "like", "*")], set()),
    c("not_like_matches_null", P, [("email", "not like", "azure")]),
    c("not_ilike", P, [("email", "not ilike", "EXAMPLE")]),
    c("eqlike_raw_pattern", P, [("name", "=like", "Deco%")], {"Deco_Addict", "Deco Addict"}),
    c("eqlike_no_wildcard_is_exact", P, [("name", "=like", "Azure")], set()),
    c("eqilike_raw_pattern", P, [("name", "=ilike", "mixed%")],
      {"MIXED Case Ltd", "mixed case ltd"}),
    c("eqilike_backslash_escaped", P, [("email", "=ilike", "back\\\\slash@%")],
      {"Back\\Slash Café"}),
    c("like_empty_is_true", P, [("email", "like", "")]),
    c("not_ilike_empty_is_null", P, [("email", "not ilike", "")], NO_EMAIL),
    c("not_like_empty_under_not", P, ["!", ("email", "ilike", "")], NO_EMAIL),
    c("like_on_integer_column", P, [("color", "like", 9)], {"Back\\Slash Café"}),
    # -- in / not in ------------------------------------------------------------
    c("in_list", P, [("name", "in", ["Azure Interior", "Deco_Addict"])],
      {"Azure Interior", "Deco_Addict"}),
    c("in_with_false_adds_null", P, [("email", "in", ["deco@addict.example", False])],
      NO_EMAIL | {"Deco_Addict"}),
    c("in_empty_is_false", P, [("name", "in", [])], set()),
    c("not_in_empty_is_true", P, [("name", "not in", [])]),
    c("not_in_matches_null", P, [("email", "not in", ["info@azure.example"])]),
    c("not_in_with_false_excludes_null", P, [("email", "not in", ["info@azure.example", False])]),
    c("in_scalar", P, lambda r: [("id", "in", r.azure)], {"Azure Interior"}),
    c("eq_list_is_in", P, lambda r: [("id", "=", [r.azure, r.deco])],
      {"Azure Interior", "Deco_Addict"}),
    c("ne_list_is_not_in", P, lambda r: [("id", "!=", [r.azure, r.deco])]),
    c("large_in_ids", P, lambda r: [("id", "in", list(range(1, 1500)) + [r.azure])]),
    c("large_not_in_ids", P, lambda r: [("id", "not in",
                                         list(range(10**6, 10**6 + 1200)) + [r.azure])]),
    c("large_in_names", P, [("name", "in",
                             [f"nobody {i}" for i in range(1200)] + ["Azure Interior"])],
      {"Azure Interior"}),
    c("large_in_with_false", P, [("email", "in", [f"x{i}@nowhere" for i in range(1100)] + [False])],
      NO_EMAIL),
    c("large_in_datetimes", PO, [("date_order", "in", [f"2023-01-01 00:{m:02d}:{sec:02d}"
                                                       for m in range(20) for sec in range(60)]
                                  + ["2024-01-05 00:00:00"])], {"o2"}),
    c("large_in_floats", PP, [("list_price", "in", [1000 + i / 4 for i in range(1200)] + [3.25])],
      {"Vanilla Ice"}),
    c("large_in_m2o_ids", PO, lambda r: [("partner_id", "in", list(range(10**6, 10**6 + 1100))
                                          + [r.brandon])], {"o1"}),
    c("large_not_in_with_false", P,
      [("email", "not in",
        [f"x{i}@nowhere" for i in range(1100)] + ["info@azure.example", False])]),
    # -- prefix operators, implicit AND, TRUE/FALSE leaves ----------------------------
    c("or", P, ["|", ("name", "=", "Azure Interior"), ("name", "=", "Deco_Addict")],
      {"Azure Interior", "Deco_Addict"}),
    c("not_matches_null", P, ["!", ("email", "=", "info@azure.example"),
                              ("parent_id", "=", "Azure Interior")],
      {"Brandon Freeman", "Nicole 100% Ford"}),
    c("not_and", P, ["!", "&", ("is_company", "=", True), ("country_id.code", "=", "BE")]),
    c("implicit_and_with_or", P, [("is_company", "=", True), "|", ("country_id.code", "=", "BE"),
                                  ("country_id.code", "=", "FR")],
      {"Azure Interior", "Deco_Addict"}),
    c("nested_prefix", P, ["&", "|", ("color", "=", 2), ("color", "=", 4),
                           "!", ("name", "ilike", "junior")],
      {"Élodie Dupré", "MIXED Case Ltd", "mixed case ltd"}),
    c("double_not", P, ["!", "!", ("name", "=", "Azure Interior")], {"Azure Interior"}),
    c("long_or_chain", P, ["|"] * 199 + [("color", "=", i % 10) for i in range(200)]),
    c("true_leaf", P, [(1, "=", 1)]),
    c("false_leaf", P, [(0, "=", 1)], set()),
    c("or_false_leaf", P, ["|", (0, "=", 1), ("name", "=", "Deco_Addict")], {"Deco_Addict"}),
    c("not_true_leaf", P, ["!", (1, "=", 1)], set()),
    c("empty_domain", P, []),
    # -- many2one ------------------------------------------------------------------
    c("m2o_id", P, lambda r: [("parent_id", "=", r.azure)], AZURE_KIDS - {"Azure Interior"}),
    c("m2o_false", P, [("parent_id", "=", False), ("color", "=", 4)],
      {"MIXED Case Ltd", "mixed case ltd"}),
    c("m2o_name_ilike", P, [("parent_id", "ilike", "azure")], AZURE_KIDS - {"Azure Interior"}),
    c("m2o_name_ne", P, [("parent_id", "!=", "Azure Interior")], ACTIVE - AZURE_CONTACTS),
    c("m2o_name_not_ilike", P, [("parent_id", "not ilike", "azure")], ACTIVE - AZURE_CONTACTS),
    c("m2o_name_not_in", P, [("parent_id", "not in", "Azure Interior")], ACTIVE - AZURE_CONTACTS),
    c("m2o_name_eq", P, [("country_id", "=", "Belgium")], {"Azure Interior"}),
    c("m2o_like_id_text", P, lambda r: [("country_id", "like", r.be)]),
    c("m2o_any", P, [("parent_id", "any", [("is_company", "=", True)])]),
    c("m2o_not_any", P, [("parent_id", "not any", [("is_company", "=", True)])],
      ACTIVE - {"Brandon Freeman", "Nicole 100% Ford", "Élodie Dupré", "Edwin Gemini"}),
    c("m2o_in_with_false", PO, lambda r: [("partner_id", "in", [r.brandon, False])],
      {"o1", "o4"}),
    c("m2o_not_in_with_false", PO, lambda r: [("partner_id", "not in", [r.brandon, False])],
      {"o2", "o3", "o5"}),
    c("m2o_eq_optional_false", PO, [("partner_id", "=?", False)], {"o1", "o2", "o3", "o4", "o5"}),
    # -- paths ---------------------------------------------------------------------
    c("path_one_level", P, [("country_id.code", "=", "BE")], {"Azure Interior"}),
    c("path_two_levels", P, [("parent_id.country_id.code", "=", "FR")],
      {"Élodie Dupré", "ÉLODIE Junior"}),
    c("path_two_levels_orders", PO, [("partner_id.country_id.code", "=", "FR")], {"o2"}),
    c("path_negated_is_not_any", P, ["!", ("parent_id.country_id.code", "=", "BE")],
      ACTIVE - AZURE_CONTACTS - {"Edwin Gemini"}),
    c("path_negated_orders", PO, ["!", ("partner_id.country_id.code", "=", "FR")],
      {"o1", "o3", "o4", "o5"}),
    c("path_ne_needs_a_related_record", P, [("parent_id.country_id.code", "!=", "BE")],
      {"Élodie Dupré", "ÉLODIE Junior"}),
    c("path_ignores_archived_m2o", P, [("parent_id.name", "=", "Gemini Furniture")],
      {"Edwin Gemini"}),
    c("path_through_parent_name", PO, [("partner_id.parent_id.name", "=", "Azure Interior")],
      {"o1"}),
    # -- x2many ----------------------------------------------------------------------
    c("o2m_any", P, [("child_ids", "any", [("email", "=", False)])],
      {"Azure Interior", "Élodie Dupré"}),
    c("o2m_not_any", P, [("child_ids", "not any", [("name", "ilike", "e")])],
      ACTIVE - {"Azure Interior", "Deco_Addict", "Élodie Dupré"}),
    c("o2m_eq_false", P, [("child_ids", "=", False), ("is_company", "=", True)]),
    c("o2m_ne_false", P, [("child_ids", "!=", False)]),
    c("o2m_in_ids", P, lambda r: [("child_ids", "in", [r.brandon, r.junior])],
      {"Azure Interior", "Élodie Dupré"}),
    c("o2m_not_in_ids", P, lambda r: [("child_ids", "not in", [r.brandon])]),
    c("o2m_in_empty", P, [("child_ids", "in", [])], set()),
    c("o2m_string_name_search", P, [("child_ids", "ilike", "freeman")], {"Azure Interior"}),
    c("o2m_string_negative", P, [("child_ids", "not ilike", "freeman")]),
    c("o2m_path", P, [("child_ids.email", "ilike", "addict")], {"Deco_Addict"}),
    c("o2m_any_skips_archived", P, [("child_ids", "any", [("name", "ilike", "ghost")])], set()),
    c("o2m_eq_false_counts_archived", P, [("child_ids", "=", False), ("name", "ilike", "deco")],
      set()),
    c("o2m_any_parent_archived", P, [("child_ids", "any", [("name", "ilike", "gemini")])], set()),
    c("o2m_lines_none", PO, [("lines", "=", False)], {"o4"}),
    c("o2m_lines_path_child_of", PO,
      lambda r: [("lines.product_id.categ_id", "child_of", r.sweets)], {"o1", "o3", "o5"}),
    c("o2m_lines_any_m2m_path", PO, [("lines", "any", [("product_id.taxes_id.amount", "=", 21)])],
      {"o2", "o5"}),
    c("m2m_in", PP, lambda r: [("taxes_id", "in", [r.vat6])], {"Chocolate Mousse", "Vanilla Ice"}),
    c("m2m_eq_id", PP, lambda r: [("taxes_id", "=", r.vat21)], {"Espresso"}),
    c("m2m_not_in", PP, lambda r: [("taxes_id", "not in", [r.vat6])]),
    c("m2m_in_archived_id", PP, lambda r: [("taxes_id", "in", [r.oldtax])],
      {"Vanilla Ice", "Old Tax Cookie"}),
    c("m2m_eq_false", PP, [("taxes_id", "=", False), ("barcode", "=", False)], {"Water 50_cl"}),
    c("m2m_ne_false", PP, [("taxes_id", "!=", False)]),
    c("m2m_any_skips_archived", PP, [("taxes_id", "any", [("amount", "=", 10)])], set()),
    c("m2m_any_mentioning_active", PP, [("taxes_id", "any", [("amount", "=", 10),
                                                             ("active", "in", [True, False])])],
      {"Vanilla Ice", "Old Tax Cookie"}),
    c("m2m_not_any", PP, [("taxes_id", "not any", [("amount", ">", 5)])]),
    c("m2m_path", PP, [("taxes_id.name", "ilike", "DT VAT")]),
    c("m2m_string", PP, [("taxes_id", "=", "DT VAT 21%")], {"Espresso"}),
    c("m2m_string_negative", PP, [("taxes_id", "!=", "DT VAT 6%")]),
    c("m2m_pos_categ_any", PP, [("pos_categ_ids", "any", [("name", "=", "DT Cold")])],
      {"Vanilla Ice", "Water 50_cl"}),
    # -- hierarchies -------------------------------------------------------------
    c("child_of_id", P, lambda r: [("id", "child_of", r.azure)], AZURE_KIDS),
    c("child_of_self_m2o_includes_root", P, lambda r: [("parent_id", "child_of", r.deco)],
      {"Deco_Addict", "Élodie Dupré", "ÉLODIE Junior"}),
    c("parent_of_id", P, lambda r: [("id", "parent_of", r.junior)],
      {"Deco_Addict", "Élodie Dupré", "ÉLODIE Junior"}),
    c("child_of_name", P, [("id", "child_of", "Deco_Addict")]),
    c("child_of_list", P, lambda r: [("id", "child_of", [r.azure, r.deco])]),
    c("child_of_empty", P, [("id", "child_of", [])], set()),
    c("not_child_of", P, lambda r: ["!", ("id", "child_of", r.azure)], ACTIVE - AZURE_KIDS),
    c("child_of_other_model", PO, lambda r: [("partner_id", "child_of", r.deco)], {"o2", "o3"}),
    c("not_child_of_m2o_null", PO, lambda r: ["!", ("partner_id", "child_of", r.deco)],
      {"o1", "o5"}),
    c("categ_child_of", PP, lambda r: [("categ_id", "child_of", r.desserts)],
      {"Chocolate Mousse", "Vanilla Ice"}),
    c("categ_child_of_name", PP, [("categ_id", "child_of", "Sweets")],
      {"Chocolate Mousse", "Vanilla Ice", "Old Tax Cookie"}),
    c("categ_parent_of", PP, lambda r: [("categ_id", "parent_of", r.desserts)]),
    c("category_tree", PC, lambda r: [("id", "child_of", r.sweets)],
      {"Sweets", "Desserts", "Ice Cream"}),
    c("category_parent_of_self_m2o", PC, lambda r: [("parent_id", "parent_of", r.icecream)]),
    c("category_child_of_o2m_self", PC, lambda r: [("child_id", "child_of", r.icecream)]),
    c("category_leaves", PC, [("child_id", "=", False)]),
    c("category_path_two_levels", PP, [("categ_id.parent_id.name", "=", "Sweets")],
      {"Chocolate Mousse"}),
    # -- other types -----------------------------------------------------------
    c("float_gt", PP, [("list_price", ">", 3)]),
    c("float_eq", PP, [("list_price", "=", 3.25)], {"Vanilla Ice"}),
    c("float_le", PP, [("list_price", "<=", 2)]),
    c("char_null_barcode", PP, [("barcode", "=", False)]),
    c("char_not_ilike_null_barcode", PP, [("barcode", "not ilike", "DT-")]),
    c("default_code_percent_escaped", PP, [("default_code", "like", "M\\%1")], {"Water 50_cl"}),
    c("default_code_underscore_escaped", PP, [("default_code", "=like", "ESP\\_%")], {"Espresso"}),
    c("product_display_name", PP, [("display_name", "ilike", "ESP")], {"Espresso"}),
    c("product_not_display_name", PP, ["!", ("display_name", "ilike", "mousse")]),
    c("product_bool_false", PP, [("available_in_pos", "=", False)]),
    c("country_code_gt", "res.country", [("code", ">", "PL")]),
    c("dt_gt_date_only", PO, [("date_order", ">", "2024-01-05")], {"o4"}),
    c("dt_ge_date_only", PO, [("date_order", ">=", "2024-01-05")], {"o2", "o3", "o4", "o5"}),
    c("dt_le_date_only", PO, [("date_order", "<=", "2024-01-05")], {"o1", "o2", "o3", "o5"}),
    c("dt_lt_date_only", PO, [("date_order", "<", "2024-01-05")], {"o1"}),
    c("dt_eq_date_only", PO, [("date_order", "=", "2024-01-05")], {"o2"}),
    c("dt_full", PO, [("date_order", "<", "2024-01-05 08:30:00"),
                      ("date_order", ">=", "2024-01-04")], {"o1", "o2"}),
    c("dt_iso_t", PO, [("date_order", ">=", "2024-01-05T08:30:00"),
                       ("date_order", "<", "2024-01-06")], {"o3", "o5"}),
    c("text_note_like_percent", PO, [("note", "like", "50\\%")], {"o5"}),
    # -- active_test ---------------------------------------------------------------
    c("archived_hidden", P, [("name", "ilike", "gemini")], {"Edwin Gemini"}),
    c("archived_when_domain_mentions_active", P, [("active", "=", False)],
      {"Gemini Furniture", "Ghost Employee"}),
    c("active_both", P, [("active", "in", [True, False]), ("name", "ilike", "gemini")],
      {"Gemini Furniture", "Edwin Gemini"}),
    c("active_test_false_context", P, [("name", "ilike", "gemini")],
      {"Gemini Furniture", "Edwin Gemini"}, active_test=False),
    c("active_test_false_reaches_subqueries", PP, [("taxes_id", "any", [("amount", "=", 10)])],
      {"Vanilla Ice", "Old Tax Cookie"}, active_test=False),
    c("archived_product", PP, lambda r: [("categ_id", "child_of", r.desserts)],
      {"Chocolate Mousse", "Vanilla Ice", "Discontinued Tart"}, active_test=False),
]


def resolve(case: Case, ds: SimpleNamespace) -> Any:
    refs = SimpleNamespace(**ds.ids)
    refs.be = next(i for i, rec in ds.data["res.country"].items() if rec["code"] == "BE")
    return case.domain(refs)


def order_names(ds: SimpleNamespace, ids: Any) -> set[str]:
    by_id = {v: k for k, v in ds.ids.items() if k in dict(ORDERS)}
    return {by_id[i] for i in ids if i in by_id}


def expected(ds: SimpleNamespace, case: Case, domain: Any) -> frozenset:
    evaluator = Evaluator(ds.data, ds.meta, active_test=case.context.get("active_test", True))
    return evaluator.filter_ids(case.model, domain)


async def sql_ids(orm: Any, case: Case, domain: Any) -> set[int]:
    async def fn(env: Any) -> list[int]:
        return await env[case.model].search(domain)
    found = await orm.run(fn, context=case.context or None)
    assert len(found) == len(set(found))
    return set(found)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({p.values[0].id for p in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES)
async def test_domain(shared: SimpleNamespace, shared_orm: Any, case: Case) -> None:
    ds = shared.ds
    domain = resolve(case, ds)
    found = await sql_ids(shared_orm, case, domain)
    assert found == expected(ds, case, domain)
    if case.names is not None:
        names = order_names(ds, found) if case.model == PO else names_of(ds, case.model, found)
        assert names == case.names


async def test_every_domain_sql_equals_evaluator(orm: Any) -> None:
    """The differential test: the whole table, SQL vs Python, on a database of its own."""
    ds = await dataset(orm)
    mismatches = {}
    for param in CASES:
        case = param.values[0]
        domain = resolve(case, ds)
        found, wanted = await sql_ids(orm, case, domain), expected(ds, case, domain)
        if found != wanted:
            mismatches[case.id] = (sorted(found - wanted), sorted(wanted - found))
    assert not mismatches


def test_dataset_covers_nulls_and_archives(shared: SimpleNamespace) -> None:
    """The dataset holds what the table relies on (a guard against silent drift)."""
    ds = shared.ds
    partner = ds.data["res.partner"][ds.ids["nullbool"]]
    assert partner["is_company"] is None and partner["color"] is None
    assert ds.data["res.partner"][ds.ids["brandon"]]["email"] is None
    assert not ds.data["account.tax"][ds.ids["oldtax"]]["active"]
    assert sorted(ds.data["product.product"][ds.ids["vanilla"]]["taxes_id"]) == sorted(
        [ds.ids["vat6"], ds.ids["oldtax"]])


# ---------------------------------------------------------------------------
# Invalid domains
# ---------------------------------------------------------------------------

SQL_FIELDS = [
    'name" = "1337"); delete from pos_order -- -',
    "name' = '1337'); delete from pos_order -- '",
    'name\\" = 1); delete from pos_order -- \\',
    "name; DROP TABLE res_partner",
    "name) OR (1=1",
]

ERRORS = [
    pytest.param([("x", "=", 1)], "Invalid field res.partner.x in leaf ('x', '=', 1)",
                 id="unknown_field"),
    pytest.param([("x.name", "=", 1)], "Invalid field res.partner.x in leaf ('x.name', '=', 1)",
                 id="unknown_field_in_path"),
    pytest.param([("parent_id.nope", "=", 1)],
                 "Invalid field res.partner.nope in leaf ('nope', '=', 1)", id="unknown_subfield"),
    pytest.param([("name.x", "=", 1)],
                 "Invalid field res.partner.name.x in leaf ('name.x', '=', 1)", id="path_on_char"),
    pytest.param([("name", "like2", "x")], "Invalid leaf ('name', 'like2', 'x')",
                 id="unknown_operator"),
    pytest.param([("name", "= 1 OR 1=1 --", "x")], "Invalid leaf ('name', '= 1 OR 1=1 --', 'x')",
                 id="operator_with_sql"),
    pytest.param([("name", "=")], "Invalid leaf ('name', '=')", id="two_element_leaf"),
    pytest.param([("name", "=", "x", "y")], "Invalid leaf ('name', '=', 'x', 'y')",
                 id="four_element_leaf"),
    pytest.param([("", "=", "x")], "Invalid leaf ('', '=', 'x')", id="empty_field_name"),
    pytest.param([(None, "=", "x")], "Invalid leaf (None, '=', 'x')", id="none_field_name"),
    pytest.param([(2, "=", 1)], "Invalid leaf (2, '=', 1)", id="number_field_name"),
    pytest.param([("name", 1, "x")], "Invalid leaf ('name', 1, 'x')", id="number_operator"),
    pytest.param(["name", "=", "x"], "Invalid leaf 'name'", id="flat_leaf"),
    pytest.param([{"name": "x"}], "Invalid leaf {'name': 'x'}", id="dict_token"),
    pytest.param(["&", ("name", "=", "x")], "wrong number of operands", id="missing_operand"),
    pytest.param(["|"], "wrong number of operands", id="lone_operator"),
    pytest.param(["!", "!"], "wrong number of operands", id="lone_nots"),
    pytest.param("[('name', '=', 'x')]", "a domain is a list", id="string_domain"),
    pytest.param({"name": "x"}, "a domain is a list", id="dict_domain"),
    pytest.param(42, "a domain is a list", id="int_domain"),
    pytest.param([("name", "=", {"a": 1})], "Invalid value {'a': 1} in leaf", id="dict_value"),
    pytest.param([("name", "like", ["x"])], "Invalid value ['x'] in leaf", id="list_for_like"),
    pytest.param([("color", "=", "blue")], "Invalid value 'blue' in leaf", id="string_for_int"),
    pytest.param([("color", "=", 2**70)], "Invalid value", id="int_out_of_range"),
    pytest.param([("color", "in", [1, "x"])], "Invalid value 'x' in leaf", id="bad_item_in_list"),
    pytest.param([("color", ">", True)], "Invalid value True in leaf", id="bool_for_int"),
    pytest.param([("create_date", ">", "yesterday")], "Invalid value 'yesterday' in leaf",
                 id="bad_datetime"),
    pytest.param([("id", "=", 1.5)], "Invalid value 1.5 in leaf", id="fractional_id"),
    pytest.param([("name", "any", [])], "'any' needs a relational field", id="any_on_char"),
    pytest.param([("name", "child_of", 1)], "child_of needs a relational field",
                 id="child_of_on_char"),
    pytest.param([("parent_id", "any", 5)], "a domain is a list", id="any_with_scalar"),
    pytest.param([("parent_id", "any", [("nope", "=", 1)])],
                 "Invalid field res.partner.nope in leaf ('nope', '=', 1)", id="bad_any_subdomain"),
    pytest.param([("child_ids", "<", 3)], "Invalid leaf ('child_ids', '<', 3)", id="x2many_lt"),
    pytest.param([("name", "=like", "abc\\")], "ends with an escape character",
                 id="pattern_ends_with_escape"),
    pytest.param(["!"] * (MAX_DEPTH + 5) + [("name", "=", "x")], None, id="many_nots_fold"),
    pytest.param(["!", "&"] * (MAX_DEPTH + 5) + [("name", "=", "x")] * (MAX_DEPTH + 6),
                 "nested deeper than", id="too_deep_negated_ands"),
    pytest.param(["&", "|"] * 40 + [("name", "=", "x")] * 81, "nested deeper than",
                 id="too_deep_alternating"),
    pytest.param(["&"] * 70 + [("name", "=", "x")] * 71, None, id="long_and_chain_is_flat"),
    pytest.param([("name", "=", "x")] * (MAX_TOKENS + 1), f"more than {MAX_TOKENS} elements",
                 id="too_many_tokens"),
] + [pytest.param([(name, "=", "1337")], f"Invalid field res.partner.{name.split('.')[0]}",
                  id=f"sql_in_field_{i}") for i, name in enumerate(SQL_FIELDS)]


async def census(orm: Any, canary: int) -> tuple[list[int], int, int, int]:
    """What an injected statement would change: the canary, and the size of the tables."""
    async def fn(env: Any) -> tuple[list[int], int, int, int]:
        return (await env["res.partner"].exists([canary]),
                await env["res.partner"].search_count([("active", "in", [True, False])]),
                await env["pos.order"].search_count([]),
                await env["pos.order.line"].search_count([]))
    return await orm.run(fn, readonly=True)


@pytest.mark.parametrize("domain, message", ERRORS)
async def test_invalid_domain(shared: SimpleNamespace, shared_orm: Any, domain: Any,
                              message: str | None) -> None:
    orm, canary = shared_orm, shared.ds.ids["canary"]
    before = await census(orm, canary)
    assert before[0] == [canary]
    meta = shared.ds.meta

    async def compile_only(env: Any) -> Any:
        # raising here proves the error comes before any SQL is built or sent
        return DomainCompiler(env, env.registry["res.partner"]).compile(domain)

    async def search(env: Any) -> Any:
        return await env["res.partner"].search(domain)

    if message is None:          # a valid domain of the table: it must not raise
        await orm.run(search)
        Evaluator({}, meta).predicate("res.partner", domain)
        return
    for fn in (compile_only, search):
        with pytest.raises(ValueError) as info:
            await orm.run(fn)
        assert type(info.value) is ValueError
        assert message in str(info.value)
    with pytest.raises(ValueError) as info:          # the evaluator refuses it the same way
        Evaluator({}, meta).predicate("res.partner", domain)
    assert message in str(info.value)
    assert await census(orm, canary) == before


@pytest.mark.parametrize("domain, message", [
    ([("x", "=", 1)], "Invalid field res.partner.x in leaf ('x', '=', 1)"),
    ([("name", "like2", "x")], "Invalid leaf ('name', 'like2', 'x')"),
    ([[SQL_FIELDS[0], "=", 1]], "Invalid field res.partner.name\" = \"1337\"); delete"),
])
async def test_invalid_domain_over_rpc_is_builtins_value_error(client: Any, domain: Any,
                                                               message: str) -> None:
    await login(client)
    body = await call_kw(client, "res.partner", "search_read", [domain], {"fields": ["name"]})
    data = assert_odoo_error(body, "builtins.ValueError", message=message)
    assert data["arguments"][0] == data["message"]
    body = await call_kw(client, "pos.order", "search_count", [[]])
    assert "result" in body
