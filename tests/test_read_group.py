"""read_group: Odoo 17's grouped reads, on both backends.

Expected values are computed here, in Python, from ``search_read`` rows (not
from SQL): buckets, labels, counts, sums. Every group's ``__domain`` is fed
back to ``search`` and must select exactly the group's records, which checks
``__range`` and the domain shape at once. The two recorded Odoo answers
(``odoo-golden/call_kw_read_group_*``) fix the key names and shapes.

Demo data: admin works in 'Bistro Centrale' and sees its 24 orders, spread
over the last 60 days.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import pathlib
import re
import xmlrpc.client
from collections import defaultdict
from typing import Any, Callable

import odoorpc
import pytest

from models.exceptions import AccessError
from models.read_group import date_group, week_number
from tests.support import assert_odoo_error, call_kw, login, result

GOLDEN = pathlib.Path("/work/shared/odoo-golden")
ORDER_FIELDS = ["id", "state", "partner_id", "date_order", "amount_total", "customer_count",
                "to_invoice", "user_id", "table_id", "company_id", "name"]

pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")


# ---------------------------------------------------------------------------
# Independent expectations
# ---------------------------------------------------------------------------

def bucket_start(value: Any, granularity: str) -> dt.datetime | None:
    """The start of the bucket holding a datetime, computed with datetime arithmetic."""
    if not value:
        return None
    moment = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    if granularity == "hour":
        return moment.replace(minute=0, second=0)
    day = moment.replace(hour=0, minute=0, second=0)
    if granularity == "day":
        return day
    if granularity == "week":          # en_US weeks start on Sunday
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
    return day.replace(day=1, month=1)


def bucket_end(start: dt.datetime, granularity: str) -> dt.datetime:
    if granularity in ("hour", "day", "week"):
        return start + {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1),
                        "week": dt.timedelta(days=7)}[granularity]
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    index = start.month - 1 + months
    return start.replace(year=start.year + index // 12, month=index % 12 + 1)


def bucket_label(start: dt.datetime, granularity: str) -> str:
    """Babel's en_US rendering of Odoo's READ_GROUP_DISPLAY_FORMAT, via strftime/%U."""
    if granularity == "hour":
        return start.strftime("%I:00 %d ") + calendar.month_abbr[start.month]
    if granularity == "day":
        return f"{start.day:02d} {calendar.month_abbr[start.month]} {start.year}"
    if granularity == "week":
        last = start + dt.timedelta(days=6)
        if last.year != start.year:        # the week holding January 1st is W1
            return f"W1 {last.year}"
        offset = 0 if dt.date(start.year, 1, 1).weekday() == 6 else 1
        return f"W{int(start.strftime('%U')) + offset} {start.year}"
    if granularity == "month":
        return f"{calendar.month_name[start.month]} {start.year}"
    if granularity == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def m2o_id(value: Any) -> Any:
    return value[0] if value else False


async def admin(orm: Any, fn: Callable[..., Any], login: str = "admin") -> Any:
    return await orm.run(fn, login=login)


async def orders(orm: Any, domain: Any = (), login: str = "admin") -> list[dict[str, Any]]:
    return await admin(orm, lambda env: env["pos.order"].search_read(list(domain), ORDER_FIELDS),
                       login)


async def search_ids(orm: Any, model: str, domain: Any, login: str = "admin") -> set[int]:
    return set(await admin(orm, lambda env: env[model].search(domain), login))


async def read_group(orm: Any, *args: Any, model: str = "pos.order", login: str = "admin",
                     **kwargs: Any) -> list[dict[str, Any]]:
    return await admin(orm, lambda env: env[model].read_group(*args, **kwargs), login)


async def assert_domains_select(orm: Any, groups: list[dict[str, Any]],
                                expected_ids: list[set[int]], model: str = "pos.order") -> None:
    for group, ids in zip(groups, expected_ids):
        assert await search_ids(orm, model, group["__domain"]) == ids, group


# ---------------------------------------------------------------------------
# Records created for a test
# ---------------------------------------------------------------------------

MOMENTS = [
    "2026-11-21 14:21:00",     # Saturday: W47 2026 (Sunday 15 Nov)
    "2026-11-22 00:00:00",     # Sunday: a new week
    "2026-11-22 23:59:59",
    "2026-12-31 23:59:59",     # the week of 27 Dec 2026 holds 1 Jan 2027: W1 2027
    "2027-01-01 00:00:00",
    "2015-12-27 10:00:00",     # Odoo's docstring: 27 Dec 2015 is in W1 2016
    "2024-02-29 12:30:00",     # leap day
    None,
]


async def bistro(orm: Any) -> int:
    return (await admin(orm, lambda env: env["res.company"].search(
        [("name", "=", "Bistro Centrale")])))[0]


async def create_orders(orm: Any, moments: list[Any]) -> list[int]:
    company = await bistro(orm)

    async def create(env: Any) -> list[int]:
        ids = []
        for index, moment in enumerate(moments):
            ids.append(await env["pos.order"].create({
                "name": f"RG/{index}", "uuid": f"rgtest-{index}", "company_id": company,
                "date_order": moment or False, "amount_total": 10.0 * (index + 1),
                "customer_count": index % 3, "state": "paid" if index % 2 else "draft"}))
        return ids
    return await orm.run(create)


MINE = [("uuid", "=like", "rgtest-%")]


# ---------------------------------------------------------------------------
# Golden answers: same keys, same shapes, values computed independently
# ---------------------------------------------------------------------------

def skeleton(value: Any, key: str = "") -> Any:
    """Types in place of values, domain operators and field names kept."""
    if isinstance(value, dict):
        return {k: skeleton(v, k) for k, v in value.items()}
    if key == "__domain":
        return [t if isinstance(t, str) else [t[0], t[1], type(t[2]).__name__] for t in value]
    if isinstance(value, list):
        return [skeleton(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize("name", ["call_kw_read_group_pos_order_month",
                                  "call_kw_read_group_pos_order_state_month_nonlazy"])
async def test_golden_shapes_and_values(client: Any, orm: Any, name: str) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    params = golden["request"]["body"]["params"]
    await login(client)
    groups = result(await call_kw(client, params["model"], params["method"], params["args"],
                                  params["kwargs"]))
    expected_shape = skeleton(golden["response"]["body"]["result"][0])
    assert groups and all(skeleton(group) == expected_shape for group in groups)

    rows = await orders(orm)
    lazy = params["kwargs"].get("lazy", True)
    specs = params["kwargs"].get("groupby") or params["args"][2]
    buckets: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = tuple(row["state"] if spec == "state" else bucket_start(row["date_order"], "month")
                    for spec in specs)
        buckets[key].append(row)
    expected = []
    for key in sorted(buckets):       # state, then month: the groupby order
        members = buckets[key]
        group: dict[str, Any] = {}
        for spec, value in zip(specs, key):
            group[spec] = value if spec == "state" else bucket_label(value, "month")
        group["date_order_count" if lazy else "__count"] = len(members)
        group["amount_total"] = round(sum(r["amount_total"] for r in members), 2)
        expected.append(group)
    assert [{k: (round(v, 2) if k == "amount_total" else v) for k, v in g.items()
             if k in expected[0]} for g in groups] == expected
    await assert_domains_select(orm, groups,
                                [{r["id"] for r in buckets[k]} for k in sorted(buckets)])
    if not lazy:
        first = groups[0]["__domain"]
        assert first[:2] == ["&", ["state", "=", groups[0]["state"]]] and first[2] == "&"


# ---------------------------------------------------------------------------
# Counts, sums and domains against Python, per kind of groupby
# ---------------------------------------------------------------------------

GROUPBYS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("state", lambda r: r["state"]),
    ("partner_id", lambda r: m2o_id(r["partner_id"])),
    ("user_id", lambda r: m2o_id(r["user_id"])),
    ("table_id", lambda r: m2o_id(r["table_id"])),
    ("customer_count", lambda r: r["customer_count"]),
    ("to_invoice", lambda r: r["to_invoice"]),
    *[(f"date_order:{g}", (lambda g: lambda r: bucket_start(r["date_order"], g))(g))
      for g in ("hour", "day", "week", "month", "quarter", "year")],
    ("date_order", lambda r: bucket_start(r["date_order"], "month")),
]


@pytest.mark.parametrize("spec,key", GROUPBYS, ids=[spec for spec, _ in GROUPBYS])
async def test_groups_match_python(orm: Any, spec: str, key: Callable[..., Any]) -> None:
    rows = await orders(orm)
    groups = await read_group(orm, [], ["amount_total", "customer_count:max"], [spec])
    buckets: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        buckets[key(row)].append(row)
    assert len(groups) == len(buckets)
    name = spec.split(":")[0]
    granularity = spec.split(":")[1] if ":" in spec else "month"
    seen = []
    for group in groups:
        value = group[spec]
        if name == "date_order" and group["__range"][spec] is False:
            bucket = None
        elif name == "date_order":
            start = dt.datetime.strptime(group["__range"][spec]["from"], "%Y-%m-%d %H:%M:%S")
            assert group["__range"][spec]["to"] == stamp(bucket_end(start, granularity))
            assert value == bucket_label(start, granularity)
            bucket = start
        elif name in ("partner_id", "user_id", "table_id"):
            bucket = m2o_id(value)
            if value:
                names = await admin(orm, lambda env: env[
                    {"partner_id": "res.partner", "user_id": "res.users",
                     "table_id": "restaurant.table"}[name]].name_get([value[0]]))
                assert value == names[0]
        else:
            bucket = value
        members = buckets[bucket]
        assert group[f"{name}_count"] == len(members)
        assert group["amount_total"] == pytest.approx(sum(r["amount_total"] for r in members))
        assert group["customer_count"] == max(r["customer_count"] for r in members)
        seen.append(bucket)
    # ordered by the group value, NULL last; the domains select exactly each group
    nulls = [b for b in seen if b is None or (b is False and name != "to_invoice")]
    plain = seen[:len(seen) - len(nulls)]
    assert plain == sorted(plain) and seen[len(plain):] == nulls
    await assert_domains_select(orm, groups, [{r["id"] for r in buckets[b]} for b in seen])


# ---------------------------------------------------------------------------
# Date granularities on records made for the purpose
# ---------------------------------------------------------------------------

EXPECTED_LABELS = {
    "day": ["27 Dec 2015", "29 Feb 2024", "21 Nov 2026", "22 Nov 2026", "31 Dec 2026",
            "01 Jan 2027", False],
    "week": ["W1 2016", "W9 2024", "W47 2026", "W48 2026", "W1 2027", False],
    "month": ["December 2015", "February 2024", "November 2026", "December 2026",
              "January 2027", False],
    "quarter": ["Q4 2015", "Q1 2024", "Q4 2026", "Q1 2027", False],
    "year": ["2015", "2024", "2026", "2027", False],
    "hour": ["10:00 27 Dec", "12:00 29 Feb", "02:00 21 Nov", "12:00 22 Nov", "11:00 22 Nov",
             "11:00 31 Dec", "12:00 01 Jan", False],
}


@pytest.mark.parametrize("granularity", list(EXPECTED_LABELS))
async def test_each_granularity(orm: Any, granularity: str) -> None:
    ids = await create_orders(orm, MOMENTS)
    spec = f"date_order:{granularity}"
    groups = await read_group(orm, MINE, ["amount_total"], [spec], lazy=False)
    assert [g[spec] for g in groups] == EXPECTED_LABELS[granularity]
    buckets: dict[Any, set[int]] = defaultdict(set)
    for record_id, moment in zip(ids, MOMENTS):
        buckets[bucket_start(moment, granularity)].add(record_id)
    starts = sorted(b for b in buckets if b is not None) + [None]
    assert [g["__count"] for g in groups] == [len(buckets[s]) for s in starts]
    for group, start in zip(groups, starts):
        if start is None:
            assert group["__range"] == {spec: False}
            assert group["__domain"] == ["&", *MINE, ["date_order", "=", False]]
        else:
            span = {"from": stamp(start), "to": stamp(bucket_end(start, granularity))}
            assert group["__range"] == {spec: span}
            assert group["__domain"] == ["&", *MINE, "&", ["date_order", ">=", span["from"]],
                                         ["date_order", "<", span["to"]]]
    await assert_domains_select(orm, groups, [buckets[s] for s in starts])


@pytest.mark.parametrize("day,label", [
    (dt.date(2026, 11, 15), "W47 2026"), (dt.date(2015, 12, 27), "W1 2016"),
    (dt.date(2023, 1, 1), "W1 2023"), (dt.date(2023, 12, 24), "W52 2023"),
    (dt.date(2023, 12, 31), "W1 2024"), (dt.date(2024, 12, 29), "W1 2025"),
    (dt.date(2020, 12, 20), "W52 2020"), (dt.date(2022, 12, 25), "W53 2022"),
])
def test_week_labels(day: dt.date, label: str) -> None:
    assert f"W{week_number(day)[1]} {week_number(day)[0]}" == label
    assert bucket_label(dt.datetime.combine(day, dt.time()), "week") == label


@pytest.mark.parametrize("raw,granularity,is_datetime,label,span", [
    ("2026-11-21", "day", False, "21 Nov 2026", ("2026-11-21", "2026-11-22")),
    ("2026-11-15", "week", False, "W47 2026", ("2026-11-15", "2026-11-22")),
    ("2026-11-01", "month", False, "November 2026", ("2026-11-01", "2026-12-01")),
    ("2026-10-01", "quarter", False, "Q4 2026", ("2026-10-01", "2027-01-01")),
    ("2026-01-01", "year", False, "2026", ("2026-01-01", "2027-01-01")),
    ("2026-12-01", "month", True, "December 2026", ("2026-12-01 00:00:00", "2027-01-01 00:00:00")),
    ("2026-11-21 13:00:00", "hour", True, "01:00 21 Nov",
     ("2026-11-21 13:00:00", "2026-11-21 14:00:00")),
])
def test_date_group_formats(raw: str, granularity: str, is_datetime: bool, label: str,
                            span: tuple[str, str]) -> None:
    """Date fields get date ranges, datetime fields datetime ranges (no model has a Date yet)."""
    assert date_group(raw, granularity, is_datetime) == (label, {"from": span[0], "to": span[1]})


# ---------------------------------------------------------------------------
# lazy / non-lazy / no groupby
# ---------------------------------------------------------------------------

async def test_lazy_groups_by_the_first_groupby_only(orm: Any) -> None:
    rows = await orders(orm)
    groups = await read_group(orm, [("state", "=", "paid")], ["amount_total"],
                              ["partner_id", "date_order:week", "state"])
    paid = [r for r in rows if r["state"] == "paid"]
    assert {m2o_id(g["partner_id"]) for g in groups} == {m2o_id(r["partner_id"]) for r in paid}
    for group in groups:
        assert set(group) == {"partner_id", "partner_id_count", "amount_total", "__domain",
                              "__context"}
        assert group["__context"] == {"group_by": ["date_order:week", "state"]}
        assert group["__domain"][:2] == ["&", ("state", "=", "paid")]
    assert sum(g["partner_id_count"] for g in groups) == len(paid)


async def test_lazy_count_key_drops_the_granularity(orm: Any) -> None:
    groups = await read_group(orm, [], [], ["date_order:year"])
    assert set(groups[0]) == {"date_order:year", "date_order_count", "__domain", "__range"}


async def test_non_lazy_groups_by_every_groupby(orm: Any) -> None:
    rows = await orders(orm)
    groups = await read_group(orm, [], ["amount_total:sum"], ["state", "partner_id"], lazy=False)
    combos: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        combos[(row["state"], m2o_id(row["partner_id"]))].append(row)
    assert {(g["state"], m2o_id(g["partner_id"])): g["__count"] for g in groups} == \
        {key: len(members) for key, members in combos.items()}
    assert all("__context" not in g and "partner_id_count" not in g for g in groups)
    await assert_domains_select(
        orm, groups, [{r["id"] for r in combos[(g["state"], m2o_id(g["partner_id"]))]}
                      for g in groups])


@pytest.mark.parametrize("lazy", [True, False])
async def test_no_groupby_is_one_group(orm: Any, lazy: bool) -> None:
    rows = await orders(orm, [("state", "=", "paid")])
    domain = [("state", "=", "paid")]
    groups = await read_group(orm, domain, ["amount_total", "customer_count:avg"], [], lazy=lazy)
    assert groups == [{
        "__count": len(rows),
        "amount_total": pytest.approx(sum(r["amount_total"] for r in rows)),
        "customer_count": pytest.approx(sum(r["customer_count"] for r in rows) / len(rows)),
        "__domain": domain}]
    empty = await read_group(orm, [("id", "=", 0)], ["amount_total", "customer_count:count"], [])
    assert empty == [{"__count": 0, "amount_total": False, "customer_count": 0,
                      "__domain": [("id", "=", 0)]}]


# ---------------------------------------------------------------------------
# NULLs: many2one, selection, boolean
# ---------------------------------------------------------------------------

async def test_boolean_null_groups_with_false(orm: Any) -> None:
    ids = await create_orders(orm, MOMENTS[:6])

    async def setup(env: Any) -> None:
        model = env.registry["pos.order"]
        await env.cr.run(model.update({model.to_invoice: None}).where(model.id.in_(ids[:2])))
        await env.cr.run(model.update({model.to_invoice: True}).where(model.id.in_(ids[2:3])))
    await orm.run(setup)
    groups = await read_group(orm, MINE, [], ["to_invoice"])
    assert [(g["to_invoice"], g["to_invoice_count"]) for g in groups] == [(False, 5), (True, 1)]
    assert groups[0]["__domain"] == ["&", *MINE, ["to_invoice", "=", False]]
    await assert_domains_select(orm, groups, [set(ids[:2] + ids[3:]), {ids[2]}])


async def test_selection_and_many2one_nulls(orm: Any) -> None:
    async def setup(env: Any) -> list[int]:
        partners = env["res.partner"]
        country = (await env["res.country"].search([], limit=1))[0]
        return [await partners.create({"name": f"RG {i}", "ref": "rgtest",
                                       "type": kind, "country_id": country if i % 2 else False})
                for i, kind in enumerate(["invoice", False, "contact", False, "invoice"])]
    ids = await orm.run(setup)
    domain = [("ref", "=", "rgtest")]
    by_type = await read_group(orm, domain, [], ["type"], model="res.partner")
    assert [(g["type"], g["type_count"]) for g in by_type] == [
        ("contact", 1), ("invoice", 2), (False, 2)]
    await assert_domains_select(orm, by_type, [{ids[2]}, {ids[0], ids[4]}, {ids[1], ids[3]}],
                                model="res.partner")
    by_country = await read_group(orm, domain, ["color"], ["country_id"], model="res.partner")
    assert [g["country_id_count"] for g in by_country] == [2, 3]
    assert isinstance(by_country[0]["country_id"], list) and by_country[1]["country_id"] is False
    assert by_country[1]["__domain"] == ["&", *domain, ["country_id", "=", False]]
    assert by_country[0]["color"] == 0


# ---------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------

AGGREGATES: list[tuple[list[str], str, Callable[[list[dict[str, Any]]], Any]]] = [
    (["amount_total"], "amount_total", lambda rs: sum(r["amount_total"] for r in rs)),
    (["amount_total:sum"], "amount_total", lambda rs: sum(r["amount_total"] for r in rs)),
    (["amount_total:avg"], "amount_total",
     lambda rs: sum(r["amount_total"] for r in rs) / len(rs)),
    (["amount_total:max"], "amount_total", lambda rs: max(r["amount_total"] for r in rs)),
    (["top:max(amount_total)"], "top", lambda rs: max(r["amount_total"] for r in rs)),
    (["low:min(amount_total)"], "low", lambda rs: min(r["amount_total"] for r in rs)),
    (["customer_count"], "customer_count", lambda rs: sum(r["customer_count"] for r in rs)),
    (["customer_count:min"], "customer_count", lambda rs: min(r["customer_count"] for r in rs)),
    (["partner_id:count"], "partner_id", lambda rs: sum(1 for r in rs if r["partner_id"])),
    (["partner_id:count_distinct"], "partner_id",
     lambda rs: len({r["partner_id"][0] for r in rs if r["partner_id"]})),
    (["n:count_distinct(table_id)"], "n",          # SQL's count(DISTINCT) leaves NULL out
     lambda rs: len({m2o_id(r["table_id"]) for r in rs if r["table_id"]})),
    (["to_invoice:bool_and"], "to_invoice", lambda rs: all(r["to_invoice"] for r in rs)),
    (["to_invoice:bool_or"], "to_invoice", lambda rs: any(r["to_invoice"] for r in rs)),
    (["ids:array_agg(id)"], "ids", lambda rs: sorted(r["id"] for r in rs)),
    (["customer_count:array_agg"], "customer_count",
     lambda rs: [r["customer_count"] for r in sorted(rs, key=lambda r: r["id"])]),
    (["name:max"], "name", lambda rs: max(r["name"] for r in rs)),
    (["date_order:min"], "date_order", lambda rs: min(r["date_order"] for r in rs)),
]


@pytest.mark.parametrize("fields,key,compute", AGGREGATES, ids=[a[0][0] for a in AGGREGATES])
async def test_aggregates_match_python(orm: Any, fields: list[str], key: str,
                                       compute: Callable[..., Any]) -> None:
    rows = await orders(orm)
    groups = await read_group(orm, [], fields, ["state"])
    for group in groups:
        members = [r for r in rows if r["state"] == group["state"]]
        expected = compute(members)
        assert group[key] == (pytest.approx(expected) if isinstance(expected, float) else expected)


async def test_plain_fields_without_aggregate_are_left_out(orm: Any) -> None:
    groups = await read_group(orm, [], ["name", "partner_id", "state", "note", "lines",
                                        "display_name", "customer_count"], ["state"])
    assert set(groups[0]) == {"state", "state_count", "customer_count", "__domain"}
    # a numeric field that is also the groupby is not summed
    by_guests = await read_group(orm, [], ["customer_count"], ["customer_count"])
    assert set(by_guests[0]) == {"customer_count", "customer_count_count", "__domain"}


# ---------------------------------------------------------------------------
# orderby, limit, offset
# ---------------------------------------------------------------------------

async def test_orderby_aggregate_count_and_groupby(orm: Any) -> None:
    rows = await orders(orm)
    sums: dict[Any, float] = defaultdict(float)
    counts: dict[Any, int] = defaultdict(int)
    for row in rows:
        sums[m2o_id(row["table_id"])] += row["amount_total"]
        counts[m2o_id(row["table_id"])] += 1
    fields = ["amount_total:sum"]
    by_sum = await read_group(orm, [], fields, ["table_id"], orderby="amount_total desc")
    assert [g["amount_total"] for g in by_sum] == sorted(
        (g["amount_total"] for g in by_sum), reverse=True)
    assert [g["amount_total"] for g in by_sum] == pytest.approx(sorted(sums.values(), reverse=True))
    for orderby in ("table_id_count", "__count asc"):
        by_count = await read_group(orm, [], fields, ["table_id"], orderby=orderby)
        assert [g["table_id_count"] for g in by_count] == sorted(counts.values())
    alias = await read_group(orm, [], ["total:sum(amount_total)"], ["table_id"],
                             orderby="total")
    assert [g["total"] for g in alias] == sorted(g["total"] for g in alias)
    by_max = await read_group(orm, [], fields, ["table_id"], orderby="amount_total:max desc")
    maxima: dict[Any, float] = defaultdict(float)
    for row in rows:
        maxima[m2o_id(row["table_id"])] = max(maxima[m2o_id(row["table_id"])], row["amount_total"])
    assert [maxima[m2o_id(g["table_id"])] for g in by_max] == sorted(maxima.values(), reverse=True)
    months = await read_group(orm, [], fields, ["date_order:month"], orderby="date_order desc")
    froms = [g["__range"]["date_order:month"]["from"] for g in months]
    assert froms == sorted(froms, reverse=True)


async def test_orderby_many2one_follows_the_comodel_order(orm: Any) -> None:
    """res.partner's _order is 'complete_name ASC, id DESC'; restaurant.table's 'name'."""
    rows = await orders(orm)
    partners = await admin(orm, lambda env: env["res.partner"].search_read(
        [("id", "in", list({m2o_id(r["partner_id"]) for r in rows} - {False}))],
        ["complete_name"]))
    rank = {p["id"]: (p["complete_name"], -p["id"]) for p in partners}
    ascending = await read_group(orm, [], [], ["partner_id"], orderby="partner_id")
    ids = [m2o_id(g["partner_id"]) for g in ascending]
    assert ids[:-1] == sorted(rank, key=rank.__getitem__) and ids[-1] is False
    descending = await read_group(orm, [], [], ["partner_id"], orderby="partner_id desc")
    assert [m2o_id(g["partner_id"]) for g in descending] == [False] + ids[:-1][::-1]
    nulls = await read_group(orm, [], [], ["partner_id"], orderby="partner_id asc nulls first")
    assert [m2o_id(g["partner_id"]) for g in nulls] == [False] + ids[:-1]
    # without orderby: by id, as Odoo groups
    plain = [m2o_id(g["partner_id"]) for g in await read_group(orm, [], [], ["partner_id"])]
    assert plain == sorted(rank) + [False]


@pytest.mark.parametrize("orderby", [False, "amount_total desc", "partner_id_count desc"])
async def test_limit_and_offset_page_through_groups(orm: Any, orderby: Any) -> None:
    full = await read_group(orm, [], ["amount_total"], ["partner_id"], orderby=orderby)
    assert len(full) > 3
    pages = []
    for offset in range(0, len(full), 2):
        pages += await read_group(orm, [], ["amount_total"], ["partner_id"], offset=offset,
                                  limit=2, orderby=orderby)
    assert pages == full
    assert await read_group(orm, [], [], ["partner_id"], offset=len(full)) == []


# ---------------------------------------------------------------------------
# Errors: ValueError before any SQL
# ---------------------------------------------------------------------------

ERRORS = [
    ({"groupby": ["nope"]}, "Invalid field 'nope'"),
    ({"groupby": ["lines"]}, "Cannot group by field"),
    ({"groupby": ["display_name"]}, "Cannot group by field"),
    ({"groupby": ["date_order:decade"]}, "Granularity specification isn't correct"),
    ({"groupby": ["state:month"]}, "Granularity set on a no-datetime field"),
    ({"groupby": ["partner_id.name"]}, "Invalid read_group spec"),
    ({"groupby": ["state; DROP TABLE pos_order"]}, "Invalid read_group spec"),
    ({"groupby": ["date_order:month') --"]}, "Invalid read_group spec"),
    ({"groupby": [["state"]]}, "Invalid groupby"),
    ({"fields": ["nope"]}, "Invalid field 'nope'"),
    ({"fields": ["nope:sum"]}, "Invalid field 'nope'"),
    ({"fields": ["amount_total:median"]}, "Invalid aggregate method 'median'"),
    ({"fields": ["amount_total:sum) FROM pos_order --"]}, "Invalid field specification"),
    ({"fields": ["x:sum(amount_total); DELETE"]}, "Invalid field specification"),
    ({"fields": ["name:sum"]}, "cannot apply to the char field"),
    ({"fields": ["to_invoice:max"]}, "cannot apply to the boolean field"),
    ({"fields": ["amount_total:bool_and"]}, "cannot apply to the monetary field"),
    ({"fields": ["lines:count"]}, "is not stored"),
    ({"fields": "amount_total"}, "Invalid fields"),
    ({"orderby": "name"}, "is not a valid aggregate nor valid groupby"),
    ({"orderby": "customer_count"}, "is not a valid aggregate nor valid groupby"),
    ({"orderby": "state; DROP TABLE pos_order"}, "Invalid order"),
    ({"orderby": "state, (SELECT 1)"}, "Invalid order"),
    ({"orderby": "state desc,"}, "Invalid order"),
    ({"orderby": "amount_total:median"}, "Invalid aggregate method"),
    ({"orderby": "ids"}, "cannot order by an array"),
    ({"limit": -1}, "Invalid limit"),
    ({"offset": "1"}, "Invalid offset"),
]


@pytest.mark.parametrize("change,message", ERRORS, ids=[repr(e[0]) for e in ERRORS])
async def test_invalid_requests_are_value_errors(orm: Any, change: dict[str, Any],
                                                 message: str) -> None:
    kwargs = {"domain": [], "fields": ["amount_total", "ids:array_agg(id)"],
              "groupby": ["state"], **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        await read_group(orm, **kwargs)


async def test_errors_and_access_over_json_rpc(client: Any) -> None:
    await login(client)
    body = await call_kw(client, "pos.order", "read_group", [[], ["amount_total"], ["nope"]])
    assert_odoo_error(body, "builtins.ValueError", message="Invalid field 'nope'")
    body = await call_kw(client, "pos.order", "read_group", [[("nope", "=", 1)], [], ["state"]])
    assert_odoo_error(body, "builtins.ValueError")


async def test_access_rights_and_record_rules(orm: Any) -> None:
    with pytest.raises(AccessError):
        await read_group(orm, [], [], ["state"], model="res.users.apikeys", login="waiter")
    for user, restaurant in (("waiter", "Bistro Centrale"), ("sushi.waiter", "Sushi Koi")):
        groups = await read_group(orm, [], [], ["company_id"], login=user)
        visible = await orm.run(lambda env: env["pos.order"].search_count([]), login=user)
        assert {g["company_id"][1]: g["company_id_count"] for g in groups} == {
            restaurant: visible}
        assert visible >= 24


# ---------------------------------------------------------------------------
# Real client libraries over a socket
# ---------------------------------------------------------------------------

def test_odoorpc_read_group(live_server: Any) -> None:
    odoo = odoorpc.ODOO("127.0.0.1", port=live_server.port)
    odoo.login(live_server.db_name, "admin", "admin")
    Order = odoo.env["pos.order"]
    rows = Order.search_read([], ["state", "amount_total", "date_order"])
    groups = Order.read_group([], ["amount_total:sum"], ["state", "date_order:month"], lazy=False)
    assert sum(g["__count"] for g in groups) == len(rows) >= 24
    for group in groups:
        members = [r for r in rows if r["state"] == group["state"]
                   and bucket_label(bucket_start(r["date_order"], "month"), "month")
                   == group["date_order:month"]]
        assert group["__count"] == len(members)
        assert group["amount_total"] == pytest.approx(sum(r["amount_total"] for r in members))
        assert Order.search_count(group["__domain"]) == len(members)
    lazy = Order.read_group([("state", "=", "paid")], ["amount_total"], ["partner_id", "state"])
    assert all(g["__context"] == {"group_by": ["state"]} for g in lazy)
    odoo.logout()


def test_xmlrpc_execute_kw_read_group(live_server: Any) -> None:
    url = live_server.url
    with xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common") as common:
        uid = common.authenticate(live_server.db_name, "admin", "admin", {})
    with xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object") as models:
        def call(method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
            return models.execute_kw(live_server.db_name, uid, "admin", "pos.order", method,
                                     args, kwargs or {})

        rows = call("search_read", [[]], {"fields": ["state", "amount_total"]})
        groups = call("read_group", [[], ["amount_total:sum", "n:count_distinct(partner_id)"],
                                     ["state"]], {"orderby": "state desc"})
        assert [g["state"] for g in groups] == sorted({r["state"] for r in rows}, reverse=True)
        for group in groups:
            members = [r for r in rows if r["state"] == group["state"]]
            assert group["state_count"] == len(members)
            assert group["amount_total"] == pytest.approx(sum(r["amount_total"] for r in members))
            assert group["__domain"] == [["state", "=", group["state"]]]
        with pytest.raises(xmlrpc.client.Fault) as fault:
            call("read_group", [[], ["amount_total:median"], ["state"]])
        assert "Invalid aggregate method" in fault.value.faultString


@pytest.mark.parametrize("kwargs", [
    {"fields": ["password_hash:max"], "groupby": []},
    {"fields": ["h:array_agg(password_hash)"], "groupby": []},
    {"fields": [], "groupby": ["password_hash"]},
    {"fields": [], "groupby": [], "orderby": "password_hash:max"},
])
async def test_private_columns_are_unknown_fields(orm: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Invalid field 'password_hash'"):
        await read_group(orm, [], model="res.users", **kwargs)
