"""The benchmark database: ``gateway db init``, then one large restaurant menu.

The schema and base records come from the real CLI (``gateway db init``), so
the bench measures the database a user would have. The restaurants, the
category tree and the administrator's access go through the models (as the
superuser), so computed columns such as ``complete_name`` are right. The
products are bulk inserted with the model's own peewee ``insert_many``:
creating 6,000 records one by one through the ORM would take minutes on
PostgreSQL and measure nothing we care about.

The REST requests get a database of their own (``gateway_bench_rest``, in a
directory of its own): ``gateway db init`` and ``gateway demo --days 1``,
the phone of Bistro Centrale's waiter (``waiter``), who orders from that
restaurant's menu (under a hundred products, a real menu's size) on its
tables in the session the demo leaves open. Kept apart because SQLite keeps
one average per index (no histograms): restaurants of 5,000 and of 70
products in one table get a plan that suits only one of them, and neither
database would then measure what a real one does.

The menu is deterministic (fixed seed) and shaped like the baseline's data:
~10 % archived, ~5 % priced at 1 or less, a few back-office items not in the
POS, a few shared products without a company, and a second restaurant whose
products the company filter must exclude.
"""
from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DB_NAME = "gateway_bench"
#: The REST cases' database (the demo restaurants).
REST_DB_NAME = "gateway_bench_rest"
PRODUCTS = 5_000          # in the benchmarked restaurant
OTHER_PRODUCTS = 1_000    # in the other restaurant (must be filtered out)
SHARED_PRODUCTS = 20      # company_id NULL: visible to every restaurant
SEED = 20240

CATEGORIES = {
    "Food": {
        "Starters": ["Soup", "Bruschetta", "Calamari", "Spring Rolls", "Carpaccio", "Gyoza"],
        "Mains": ["Steak", "Roast Chicken", "Risotto", "Curry", "Schnitzel", "Salmon Fillet"],
        "Pizza": ["Margherita", "Diavola", "Quattro Formaggi", "Funghi", "Capricciosa"],
        "Pasta": ["Carbonara", "Bolognese", "Pesto Linguine", "Lasagne", "Arrabbiata"],
        "Burgers": ["Cheeseburger", "Bacon Burger", "Veggie Burger", "Chicken Burger"],
        "Salads": ["Caesar Salad", "Greek Salad", "Nicoise Salad", "Caprese"],
        "Sides": ["Fries", "Sweet Potato Fries", "Onion Rings", "Coleslaw", "Garlic Bread"],
        "Desserts": ["Tiramisu", "Creme Brulee", "Cheesecake", "Brownie", "Panna Cotta"],
    },
    "Drinks": {
        "Hot Drinks": ["Espresso", "Cappuccino", "Latte", "Tea", "Hot Chocolate"],
        "Soft Drinks": ["Cola", "Lemonade", "Orange Juice", "Iced Tea", "Sparkling Water"],
        "Beer": ["Pilsner", "IPA", "Wheat Beer", "Stout", "Blonde Ale"],
        "Wine": ["House Red", "House White", "Rose", "Prosecco", "Rioja"],
        "Cocktails": ["Mojito", "Negroni", "Spritz", "Margarita", "Old Fashioned"],
    },
}
STYLES = ["", "Classic", "Spicy", "Homemade", "Truffle", "Smoked", "Vegan", "Grilled", "Deluxe",
          "Chef's", "Mini", "Double", "Organic", "Signature", "Seasonal", "Crispy"]
SIZES = ["", "", "", "(S)", "(M)", "(L)", "(XL)", "250ml", "330ml", "500ml"]
BACK_OFFICE = ["Napkins", "Takeaway Box", "Cleaning Supplies", "Paper Roll"]
#: The phone of the REST requests: a demo waiter (password = login), and their restaurant.
WAITER = "waiter"
WAITER_RESTAURANT = "gateway_demo.restaurant_bistro"
#: Minutes an access token lives: the bench logs in once, before runs that may last hours.
TOKEN_MINUTES = 24 * 60


@dataclass
class Target:
    """One backend prepared for benchmarking: where it is and what is in it."""

    kind: str                 # "sqlite" | "postgresql"
    workdir: str              # cwd and data_dir of every process of this backend
    database_url: str         # GATEWAY_DATABASE_URL ("" for SQLite)
    sqlite_path: str          # the SQLite file ("" for PostgreSQL)
    pg_dbname: str            # the PostgreSQL database ("" for SQLite)
    pool_size: int            # the gateway's db_maxconn, reused by the floor app
    db_name: str = BENCH_DB_NAME
    company_id: int = 0       # the benchmarked restaurant
    other_company_id: int = 0
    products: int = 0
    matching: int = 0         # rows the search_read domain matches in the restaurant
    tables: tuple[int, ...] = ()   # the waiter's restaurant's tables (the orders' tables)

    def gateway_env(self, port: int | None = None) -> dict[str, str]:
        """``GATEWAY_*`` for every gateway process of this target (CLI and server)."""
        env = {
            "GATEWAY_DB_NAME": self.db_name, "GATEWAY_DATA_DIR": self.workdir,
            "GATEWAY_DATABASE_URL": self.database_url, "GATEWAY_LOG_LEVEL": "warning",
            "GATEWAY_WORKERS": "0", "GATEWAY_BCRYPT_ROUNDS": "4",
            "GATEWAY_HTTP_INTERFACE": "127.0.0.1", "GATEWAY_DB_MAXCONN": str(self.pool_size),
            # one client sends thousands of requests a second as one user from one address:
            # no rate limit, no login cooldown, and a token that outlives every run
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "0", "GATEWAY_RATE_LIMIT_LOGIN_PER_MINUTE": "0",
            "GATEWAY_LOGIN_COOLDOWN_AFTER": "0", "GATEWAY_LOGIN_IP_COOLDOWN_AFTER": "0",
            "GATEWAY_ACCESS_TOKEN_MINUTES": str(TOKEN_MINUTES),
        }
        if port is not None:   # one port: the REST face shares it instead of grabbing 8000
            env["GATEWAY_HTTP_PORT"] = env["GATEWAY_API_PORT"] = str(port)
        return env


def clean_environ(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any ``GATEWAY_*`` a developer may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(extra or {})
    return env


def pg_url_for(admin_url: str, dbname: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def pg_problem(admin_url: str) -> str | None:
    """Why PostgreSQL cannot be used at ``admin_url`` (None: it can)."""
    import psycopg2

    try:
        psycopg2.connect(admin_url, connect_timeout=5).close()
    except psycopg2.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def recreate_pg_database(admin_url: str, dbname: str) -> None:
    """DROP (forcing out stale sessions) and CREATE the bench database."""
    import psycopg2

    conn = psycopg2.connect(admin_url, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        conn.close()


def drop_pg_database(admin_url: str, dbname: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_url, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    finally:
        conn.close()


def _new_target(kind: str, workdir: str, db_name: str, pg_admin_url: str,
                pool_size: int) -> Target:
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    if kind == "postgresql":
        recreate_pg_database(pg_admin_url, db_name)
        return Target(kind, workdir, pg_url_for(pg_admin_url, db_name), "", db_name, pool_size,
                      db_name)
    return Target(kind, workdir, "", os.path.join(workdir, f"{db_name}.sqlite3"), "", pool_size,
                  db_name)


def _gateway_cli(target: Target, *commands: list[str]) -> None:
    gateway = os.path.join(os.path.dirname(sys.executable), "gateway")
    for command in commands:
        done = subprocess.run([gateway, *command], cwd=target.workdir,
                              env=clean_environ(target.gateway_env()), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:   # the demo's progress bar is on stderr too: show the end
            raise RuntimeError(f"gateway {' '.join(command)} failed ({done.returncode}):\n"
                               f"{done.stderr[-2000:]}")


def prepare(kind: str, root: str, pg_admin_url: str, pool_size: int = 8) -> Target:
    """A fresh database for ``kind`` with the bench's products; answers where it is."""
    target = _new_target(kind, os.path.join(root, kind), BENCH_DB_NAME, pg_admin_url, pool_size)
    _gateway_cli(target, ["db", "init"])
    asyncio.run(_load(target))
    _analyze(target)
    return target


def prepare_rest(kind: str, root: str, pg_admin_url: str, pool_size: int = 8) -> Target:
    """A fresh demo database for ``kind`` (the REST cases' phone); answers where it is."""
    target = _new_target(kind, os.path.join(root, f"{kind}-rest"), REST_DB_NAME, pg_admin_url,
                         pool_size)
    _gateway_cli(target, ["db", "init"], ["demo", "--days", "1"])
    asyncio.run(_load_tables(target))
    _analyze(target)
    return target


def _menu(rng: random.Random, count: int, prefix: str, categories: dict[str, int],
          company_id: int | None, stamp: str, uid: int) -> list[dict[str, Any]]:
    """``count`` product rows for one restaurant (plain column values)."""
    leaves = [(leaf, dishes) for group in CATEGORIES.values() for leaf, dishes in group.items()]
    rows = []
    for index in range(count):
        roll = rng.random()
        if index % 97 == 5:
            name, categ, available = rng.choice(BACK_OFFICE), categories["All"], False
        else:
            leaf, dishes = rng.choice(leaves)
            name = " ".join(p for p in (rng.choice(STYLES), rng.choice(dishes), rng.choice(SIZES))
                            if p)
            categ, available = categories[leaf], True
        price = (rng.choice((0.0, 0.5, 1.0)) if roll < 0.05
                 else round(rng.uniform(1.5, 45.0), 2))
        rows.append({
            "name": name,
            "default_code": None if index % 11 == 3 else f"{prefix}-{index:05d}",
            "barcode": None if index % 7 == 2 else f"{prefix[:2].encode().hex()}{index:09d}",
            "type": "consu", "list_price": price, "standard_price": round(price * 0.3, 2),
            "available_in_pos": available, "to_weight": False, "sale_ok": True,
            "uom_name": "Units", "active": rng.random() >= 0.10, "company_id": company_id,
            "categ_id": categ, "create_uid": uid, "write_uid": uid,
            "create_date": stamp, "write_date": stamp,
        })
    return rows


async def _as_superuser(target: Target, work: Any, readonly: bool = False) -> None:
    """``work(env, cr)`` in one unit of work on the target's database, as the superuser."""
    from gateway import bootstrap
    from gateway.config import load
    from models.env import Env

    config = load(environ=target.gateway_env(), search=False)
    backend = bootstrap.backend_for(config)
    registry = bootstrap.registry_for(backend, config)
    await backend.start()
    try:
        await backend.run_unit(lambda cr: work(Env(cr, registry, None), cr), readonly=readonly)
    finally:
        await backend.close()


async def _load(target: Target) -> None:
    async def unit(env: Any, cr: Any) -> None:
        registry = env.registry
        data = env["ir.model.data"]
        eur = await data._xmlid_to_res_id("base.EUR")
        admin = await data._xmlid_to_res_id("base.user_admin")
        main = await data._xmlid_to_res_id("base.main_company")
        bistro = await env["res.company"].create({
            "name": "Bench Bistro", "parent_id": main, "currency_id": eur, "city": "Brussels"})
        other = await env["res.company"].create({
            "name": "Bench Noodle Bar", "parent_id": main, "currency_id": eur, "city": "Ghent"})
        await env["res.users"].write([admin], {"company_ids": [(4, bistro), (4, other)]})
        root = await data._xmlid_to_res_id("product.product_category_all")
        categories = {"All": root}
        for group, leaves in CATEGORIES.items():
            parent = await env["product.category"].create({"name": group, "parent_id": root})
            for leaf in leaves:
                categories[leaf] = await env["product.category"].create(
                    {"name": leaf, "parent_id": parent})
        rng = random.Random(SEED)
        stamp = "2024-01-15 09:30:00"
        rows = (_menu(rng, PRODUCTS, "BB", categories, bistro, stamp, admin)
                + _menu(rng, OTHER_PRODUCTS, "NB", categories, other, stamp, admin)
                + _menu(rng, SHARED_PRODUCTS, "SH", categories, None, stamp, admin))
        product = registry["product.product"]
        for start in range(0, len(rows), 500):
            chunk = [{product._fields[k]: v for k, v in row.items()}
                     for row in rows[start:start + 500]]
            await cr.run(product.insert_many(chunk))
        target.company_id, target.other_company_id = bistro, other
        target.products = PRODUCTS
        target.matching = sum(1 for r in rows if r["company_id"] in (bistro, None) and r["active"]
                              and r["available_in_pos"] and r["list_price"] > 1)

    await _as_superuser(target, unit)


async def _load_tables(target: Target) -> None:
    """The tables of the waiter's restaurant: the new orders' tables."""
    async def unit(env: Any, cr: Any) -> None:
        restaurant = await env["ir.model.data"]._xmlid_to_res_id(WAITER_RESTAURANT)
        target.company_id = restaurant
        target.tables = tuple(await env["restaurant.table"].search(
            [("company_id", "=", restaurant), ("active", "=", True)], order="id"))

    await _as_superuser(target, unit, readonly=True)


def _analyze(target: Target) -> None:
    """Fresh planner statistics, as a database that has been running a while would have."""
    if target.kind == "postgresql":
        import psycopg2

        conn = psycopg2.connect(target.database_url)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
        finally:
            conn.close()
    else:
        import sqlite3

        conn = sqlite3.connect(target.sqlite_path)
        try:
            conn.execute("ANALYZE")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
