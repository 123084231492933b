"""Demo data: two platforms, three restaurants, their staff, menus, floors and a month of sales.

"Grill & Roll Group" owns Bistro Centrale (Brussels) and Sushi Koi
(Antwerp), whose menus are priced tax included as in Belgium; "Harbour
Dining Co." owns Pizzeria Porto (Rotterdam), priced tax excluded, with a
bottle deposit as a second tax on bottled drinks. Each restaurant has a
manager, waiters, a kitchen account and an owner above it; Bistro Centrale's
customers collect loyalty points; 200 products
over the three menus, some bottled drinks counted in stock with a low-stock
threshold.

The past month is sold the way a till sells it: every day a session is
opened, the day's orders (a few refunds among them) are sent through
``pos.order.create_from_ui`` as the waiter, the cash is counted and the
session closed, so that totals, stock, refunds and reports come out of the
real code paths. Today's session is left open, with paid and unpaid orders
on tables, and a few bookings are made for tomorrow.

Everything runs in one transaction: a failed load leaves nothing behind.
The bus notifications the load produces are dropped at the end (nobody was
listening, and a client connecting later must not receive a month of
history). The progress bar goes to stderr.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any, Callable

from models import bus, pos_taxes, security
from models.bus import BusBus
from models.db import Backend, Cursor
from models.env import Env
from models.pos_order import compute_amounts
from models.registry import Registry
from models.restaurant import refresh_table_status

from .demo_menus import FIRST_NAMES, LAST_NAMES, MENUS, Item

MARKER = "gateway_demo.restaurant_bistro"


@dataclass(frozen=True)
class DemoPlatform:
    key: str
    name: str
    country: str
    email: str
    tz: str


@dataclass(frozen=True)
class DemoRestaurant:
    key: str
    name: str
    platform: str
    country: str
    city: str
    street: str
    phone: str
    till: str
    prices_include_tax: bool
    commission_rate: float
    cash_control: bool
    tables_per_floor: int
    orders_per_day: int


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    role: str
    restaurant: str   # a restaurant key, or a platform key for its owner


PLATFORMS = (
    DemoPlatform("platform", "Grill & Roll Group", "be", "hello@grillroll.example",
                 "Europe/Brussels"),
    DemoPlatform("harbour", "Harbour Dining Co.", "nl", "hello@harbourdining.example",
                 "Europe/Amsterdam"),
)
RESTAURANTS = (
    DemoRestaurant("bistro", "Bistro Centrale", "platform", "be", "Brussels", "Grand Place 1",
                   "+32 2 555 01 01", "Main Till", True, 8.0, False, 8, 14),
    DemoRestaurant("sushi", "Sushi Koi", "platform", "be", "Antwerp", "Meir 12",
                   "+32 3 555 02 02", "Sushi Bar", True, 10.0, False, 6, 10),
    DemoRestaurant("porto", "Pizzeria Porto", "harbour", "nl", "Rotterdam", "Witte de Withstraat 7",
                   "+31 10 555 03 03", "Pizza Counter", False, 12.0, True, 7, 16),
)
DEMO_USERS = (
    DemoUser("owner", "Olivia Owner", "platform owner", "platform"),
    DemoUser("manager", "Marco Manager", "restaurant manager", "bistro"),
    DemoUser("waiter", "Wendy Waiter", "cashier / waiter", "bistro"),
    DemoUser("kitchen", "Kai Kitchen", "kitchen", "bistro"),
    DemoUser("sushi.manager", "Sato Manager", "restaurant manager", "sushi"),
    DemoUser("sushi.waiter", "Sora Waiter", "cashier / waiter", "sushi"),
    DemoUser("sushi.kitchen", "Ken Kitchen", "kitchen", "sushi"),
    DemoUser("harbour.owner", "Hanna Harbour", "platform owner", "harbour"),
    DemoUser("porto.manager", "Paolo Manager", "restaurant manager", "porto"),
    DemoUser("porto.waiter", "Pia Waiter", "cashier / waiter", "porto"),
    DemoUser("porto.waiter2", "Piet Waiter", "cashier / waiter", "porto"),
    DemoUser("porto.kitchen", "Carla Kitchen", "kitchen", "porto"),
)
ROLE_GROUPS = {
    "platform owner": [security.PLATFORM_OWNER, security.POS_MANAGER, security.POS_USER,
                       security.USER],
    "restaurant manager": [security.POS_MANAGER, security.POS_USER, security.USER],
    "cashier / waiter": [security.POS_USER, security.USER],
    "kitchen": [security.KITCHEN, security.USER],
}
#: Days of past sales ``gateway demo`` records (tests load fewer: see tests/conftest.py).
DEFAULT_DAYS = 30
MAX_DAYS = 365
#: Orders rung up in today's open session, created directly (tests name them ``BISTRO/0001``...).
TODAY_ORDERS = 24
#: Busy days get more orders (Monday is 0).
DAY_WEIGHT = (0.8, 0.8, 0.9, 1.0, 1.4, 1.6, 1.2)
BOTTLE_DEPOSIT = Decimal("0.15")
#: The POS PIN of every demo staff member of a restaurant (models/staff_pin.py).
STAFF_PIN = "1234"
#: Restaurants with a loyalty program: (points per currency unit, rounding).
LOYALTY = {"bistro": (1.0, "down")}

Progress = Callable[[str, int, int], None]


def progress_bar(stream: Any = None) -> Progress:
    stream = stream or sys.stderr

    def show(step: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done * 100 // max(total, 1):3d}% "
                     f"{step:<28}")
        if done >= total:
            stream.write("\n")
        stream.flush()
    return show


def ean13(digits12: str) -> str:
    """A valid EAN-13 (the check digit scanners verify) from 12 digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - total % 10) % 10)


@dataclass
class Product:
    id: int
    name: str
    price: Decimal
    taxes: list[pos_taxes.Tax]
    storable: bool


@dataclass
class Shop:
    """What the load keeps of one restaurant while it sells."""

    spec: DemoRestaurant
    company: int
    code: str
    config: int = 0
    cash: int = 0
    card: int = 0
    products: list[Product] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    waiters: list[Env] = field(default_factory=list)
    manager: Env | None = None
    sold_lines: list[tuple[int, Product, Decimal]] = field(default_factory=list)
    sessions: int = 0


async def _group_ids(env: Env) -> dict[str, int]:
    ids = {}
    for group in security.GROUPS:
        ids[group.xmlid] = await env["ir.model.data"]._xmlid_to_res_id(group.xmlid)
    return ids


async def _user_env(env: Env, uid: int, company: int) -> Env:
    """The environment of a demo user working in ``company``, as a request would build it."""
    info = await env["res.users"]._user_info(uid)
    return Env(env.cr, env.registry, info, {"allowed_company_ids": [company]})


async def load(env: Env, progress: Progress | None = None, days: int = DEFAULT_DAYS,
               seed: int = 7) -> bool:
    """Create the demo records unless they exist; answer whether they were created."""
    progress = progress or (lambda step, done, total: None)
    data = env["ir.model.data"]
    if await data._xmlid_to_res_id(MARKER) is not None:
        return False
    rng = random.Random(seed)
    steps = 9 + days
    step = 0

    def advance(label: str) -> None:
        nonlocal step
        step += 1
        progress(label, min(step, steps), steps)

    progress("restaurants", 0, steps)
    platforms, shops = await _companies(env)
    advance("staff")
    await _staff(env, platforms, shops)
    advance("taxes and payment methods")
    taxes = await _taxes_and_methods(env, shops)
    advance("menus")
    await _menus(env, shops, taxes)
    advance("floors and tables")
    await _floors(env, shops, rng)
    advance("customers")
    await _customers(env, shops)
    await _loyalty(env, shops)
    advance("stock")
    await _stock(env, shops, rng)

    today = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for offset in range(days, 0, -1):
        day = (today - dt.timedelta(days=offset)).date()
        for shop in shops.values():
            await _sell_a_day(env, shop, day, rng)
        advance(f"sales of {day.isoformat()}")

    advance("today's service")
    for shop in shops.values():
        await _today(env, shop, today, rng)
    advance("reservations")
    await _reservations(env, shops, today, rng)
    bus.discard(env.cr)
    await env.cr.run(BusBus.delete())
    progress("done", steps, steps)
    return True


async def _companies(env: Env) -> tuple[dict[str, int], dict[str, Shop]]:
    data = env["ir.model.data"]
    eur = await data._xmlid_to_res_id("base.EUR")
    platforms = {}
    shops: dict[str, Shop] = {}
    for spec in PLATFORMS:
        country = await data._xmlid_to_res_id(f"base.{spec.country}")
        platforms[spec.key] = await env["res.company"].create({
            "name": spec.name, "is_platform": True, "currency_id": eur, "country_id": country,
            "email": spec.email, "tz": spec.tz})
        await data._set_xmlid("gateway_demo.platform" if spec.key == "platform"
                              else f"gateway_demo.platform_{spec.key}", "res.company",
                              platforms[spec.key])
        for restaurant in (r for r in RESTAURANTS if r.platform == spec.key):
            company = await env["res.company"].create({
                "name": restaurant.name, "parent_id": platforms[spec.key], "currency_id": eur,
                "country_id": await data._xmlid_to_res_id(f"base.{restaurant.country}"),
                "city": restaurant.city, "street": restaurant.street, "phone": restaurant.phone,
                "commission_rate": restaurant.commission_rate, "tz": spec.tz})
            await data._set_xmlid(f"gateway_demo.restaurant_{restaurant.key}", "res.company",
                                  company)
            shops[restaurant.key] = Shop(restaurant, company, restaurant.key.upper())
    admin = await data._xmlid_to_res_id("base.user_admin")
    everything = [*platforms.values(), *(shop.company for shop in shops.values())]
    # The administrator works in the first restaurant, so scripts see a menu at once.
    await env["res.users"].write([admin], {"company_ids": [(4, cid) for cid in everything],
                                           "company_id": shops["bistro"].company})
    return platforms, shops


async def _staff(env: Env, platforms: dict[str, int], shops: dict[str, Shop]) -> None:
    groups = await _group_ids(env)
    specs = {spec.key: spec for spec in PLATFORMS}
    for demo in DEMO_USERS:
        if demo.restaurant in platforms:
            platform = specs[demo.restaurant]
            company = platforms[demo.restaurant]
            companies = [company, *(shop.company for shop in shops.values()
                                    if shop.spec.platform == demo.restaurant)]
        else:
            platform = specs[shops[demo.restaurant].spec.platform]
            company = shops[demo.restaurant].company
            companies = [company]
        uid = await env.with_context(allowed_company_ids=[company])["res.users"].create({
            "login": demo.login, "name": demo.name, "password": demo.login, "tz": platform.tz,
            "email": f"{demo.login}@{platform.email.partition('@')[2]}",
            "company_id": company, "company_ids": [(6, 0, companies)],
            "groups_id": [(6, 0, [groups[g] for g in ROLE_GROUPS[demo.role]])]})
        if demo.restaurant in shops:
            await env["res.users.pos.pin"]._set_pin(uid, STAFF_PIN)
            shop = shops[demo.restaurant]
            if demo.role == "cashier / waiter":
                shop.waiters.append(await _user_env(env, uid, shop.company))
            elif demo.role == "restaurant manager":
                shop.manager = await _user_env(env, uid, shop.company)


async def _taxes_and_methods(env: Env, shops: dict[str, Shop]) -> dict[str, dict[str, list]]:
    """Per restaurant: the taxes of food, drinks and bottled drinks (ids and specs)."""
    result: dict[str, dict[str, list]] = {}
    for key, shop in shops.items():
        cenv = env.with_context(allowed_company_ids=[shop.company])
        included = shop.spec.prices_include_tax
        kinds = (("food", "VAT 12% (incl.)", 12.0) if included else ("food", "BTW 9%", 9.0),
                 ("drink", "VAT 21% (incl.)", 21.0) if included else ("drink", "BTW 21%", 21.0))
        result[key] = {}
        for kind, name, amount in kinds:
            tax = await cenv["account.tax"].create({
                "name": name, "amount": amount, "amount_type": "percent",
                "price_include": included, "company_id": shop.company})
            result[key][kind] = [(tax, pos_taxes.Tax(tax, "percent", Decimal(str(amount)),
                                                     included, False))]
        bottled = list(result[key]["drink"])
        if not included:    # a deposit per bottle, on top of the VAT (two taxes on one line)
            deposit = await cenv["account.tax"].create({
                "name": "Bottle deposit", "amount": float(BOTTLE_DEPOSIT), "amount_type": "fixed",
                "price_include": False, "company_id": shop.company, "sequence": 2})
            bottled.append((deposit, pos_taxes.Tax(deposit, "fixed", BOTTLE_DEPOSIT, False,
                                                    False)))
        result[key]["bottled"] = bottled
        shop.cash = await cenv["pos.payment.method"].create({
            "name": "Cash", "type": "cash", "is_cash_count": True, "company_id": shop.company})
        shop.card = await cenv["pos.payment.method"].create({
            "name": "Card", "type": "bank", "company_id": shop.company})
    return result


async def _menus(env: Env, shops: dict[str, Shop], taxes: dict[str, dict[str, list]]) -> None:
    data = env["ir.model.data"]
    all_category = await data._xmlid_to_res_id("product.product_category_all")
    food = await env["product.category"].create({"name": "Food", "parent_id": all_category})
    drinks = await env["product.category"].create({"name": "Drinks", "parent_id": all_category})
    for number, (key, shop) in enumerate(shops.items(), start=1):
        cenv = env.with_context(allowed_company_ids=[shop.company])
        for sequence, (category_name, items) in enumerate(MENUS[key].items()):
            pos_category = await cenv["pos.category"].create({
                "name": category_name, "sequence": sequence, "company_id": shop.company})
            is_drink = category_name == "Drinks"
            for index, item in enumerate(items):
                await _product(cenv, shop, item, is_drink, drinks if is_drink else food,
                               pos_category, taxes[key],
                               f"{shop.code[:3]}-{sequence + 1}{index + 1:02d}",
                               ean13(f"54{number:03d}{sequence:02d}{index:05d}"))


async def _product(cenv: Env, shop: Shop, item: Item, is_drink: bool, category: int,
                   pos_category: int, taxes: dict[str, list], code: str, barcode: str) -> None:
    name, price = item[0], item[1]
    threshold = item[2] if len(item) > 2 else None
    kind = "bottled" if threshold is not None else "drink" if is_drink else "food"
    values = {
        "name": name, "default_code": code, "list_price": price,
        "standard_price": round(price * 0.3, 2), "available_in_pos": True,
        "categ_id": category, "company_id": shop.company, "barcode": barcode,
        "pos_categ_ids": [(6, 0, [pos_category])],
        "taxes_id": [(6, 0, [tax_id for tax_id, _spec in taxes[kind]])]}
    if threshold is not None:
        values.update(type="product", low_stock_threshold=threshold)
    product_id = await cenv["product.product"].create(values)
    shop.products.append(Product(product_id, name, Decimal(str(price)),
                                 [spec for _id, spec in taxes[kind]], threshold is not None))


async def _floors(env: Env, shops: dict[str, Shop], rng: random.Random) -> None:
    eur = await env["ir.model.data"]._xmlid_to_res_id("base.EUR")
    for shop in shops.values():
        cenv = env.with_context(allowed_company_ids=[shop.company])
        shop.config = await cenv["pos.config"].create({
            "name": shop.spec.till, "company_id": shop.company, "module_pos_restaurant": True,
            "currency_id": eur, "cash_control": shop.spec.cash_control,
            "payment_method_ids": [(6, 0, [shop.cash, shop.card])]})
        for floor_index, floor_name in enumerate(("Main Floor", "Terrace")):
            floor = await cenv["restaurant.floor"].create({
                "name": floor_name, "sequence": floor_index, "company_id": shop.company,
                "pos_config_ids": [(6, 0, [shop.config])]})
            for number in range(1, shop.spec.tables_per_floor + 1):
                shop.tables.append(await cenv["restaurant.table"].create({
                    "name": f"{'T' if floor_index == 0 else 'P'}{number}", "floor_id": floor,
                    "seats": rng.choice((2, 2, 4, 4, 6)), "shape": rng.choice(("square", "round")),
                    "position_h": 40 + 110 * ((number - 1) % 4),
                    "position_v": 40 + 120 * ((number - 1) // 4), "company_id": shop.company,
                    "section": "Window" if number <= 2 else "Bar" if number > 6 else "Centre"}))


async def _customers(env: Env, shops: dict[str, Shop]) -> None:
    for shop in shops.values():
        cenv = env.with_context(allowed_company_ids=[shop.company])
        for index in range(10):
            name = (f"{FIRST_NAMES[(index + len(shop.spec.key)) % len(FIRST_NAMES)]} "
                    f"{LAST_NAMES[index % len(LAST_NAMES)]}")
            shop.customers.append(await cenv["res.partner"].create({
                "name": name, "email": f"{name.lower().replace(' ', '.')}@mail.example",
                "phone": f"+32 470 {index:02d} {shop.company:02d} {index * 7 % 100:02d}",
                "company_id": shop.company, "city": shop.spec.city}))


async def _loyalty(env: Env, shops: dict[str, Shop]) -> None:
    """Bistro Centrale runs a loyalty program (set before the sales, which earn points
    through the real payment path); Sushi Koi and Pizzeria Porto do not."""
    for key, (rate, rounding) in LOYALTY.items():
        shop = shops[key]
        await env.with_context(allowed_company_ids=[shop.company])["loyalty.program"].create({
            "name": f"{shop.spec.name} points", "company_id": shop.company,
            "points_per_unit": rate, "rounding": rounding})


async def _stock(env: Env, shops: dict[str, Shop], rng: random.Random) -> None:
    """The opening count of the bottled drinks, by each restaurant's manager."""
    for shop in shops.values():
        assert shop.manager is not None
        for product in shop.products:
            if product.storable:
                await shop.manager["stock.quant"].adjust(
                    product.id, quantity=rng.randint(40, 90), reason="count",
                    note="Opening inventory")


def _order_total(lines: list[tuple[Product, Decimal]]) -> Decimal:
    """What the till will charge: the server's rules (per line, rounded to the cent)."""
    amounts = [pos_taxes.line_amounts(product.price, qty, 0, product.taxes)
               for product, qty in lines]
    return pos_taxes.order_amounts(amounts, []).amount_total


def _payments(shop: Shop, total: Decimal, when: str, rng: random.Random) -> list[list[Any]]:
    def pay(method: int, amount: Decimal) -> list[Any]:
        return [0, 0, {"payment_method_id": method, "amount": float(amount), "name": when}]
    roll = rng.random()
    if total < 0:
        return [pay(shop.cash, total)]
    if roll < 0.55:
        return [pay(shop.card, total)]
    if roll < 0.65 and total > 20:      # split: part on a card, the rest in cash
        card = (total / 2).quantize(Decimal("1"), rounding=ROUND_CEILING)
        return [pay(shop.card, card), pay(shop.cash, total - card)]
    tendered = (total / 5).quantize(Decimal("1"), rounding=ROUND_CEILING) * 5
    return [pay(shop.cash, tendered if rng.random() < 0.6 else total)]


async def _sell_a_day(env: Env, shop: Shop, day: dt.date, rng: random.Random) -> None:
    """Open a session, send the day's orders as the POS does, count the cash and close."""
    shop.sessions += 1
    cenv = env.with_context(allowed_company_ids=[shop.company])
    opener = shop.waiters[shop.sessions % len(shop.waiters)]
    session = await cenv["pos.session"].create({
        "name": f"{shop.code}/{shop.sessions:05d}", "config_id": shop.config,
        "user_id": opener.uid})
    if shop.spec.cash_control:
        await opener["pos.session"].set_cashbox_pos([session], 150.0, "Float from the safe")
    count = max(4, round(shop.spec.orders_per_day * DAY_WEIGHT[day.weekday()]
                         * rng.uniform(0.75, 1.25)))
    by_waiter: dict[int, list[dict[str, Any]]] = {}
    for number in range(1, count + 1):
        minutes = rng.randint(10 * 60 + 30, 21 * 60 + 30)     # UTC: lunch to late dinner
        when = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)).strftime(
            "%Y-%m-%d %H:%M:%S")
        lines = [(product, Decimal(rng.choice((1, 1, 1, 2, 2, 3))))
                 for product in rng.sample(shop.products, k=rng.randint(1, 5))]
        uid = f"{shop.sessions:05d}-{shop.company:03d}-{number:04d}"
        seller = rng.choice(shop.waiters + ([shop.manager] if shop.manager else []))
        by_waiter.setdefault(id(seller), []).append(_ui_order(
            shop, session, uid, when, lines, _payments(shop, _order_total(lines), when, rng),
            partner=rng.choice(shop.customers + [False] * 3), table=rng.choice(shop.tables),
            guests=rng.randint(1, 6), seller=seller))
    if shop.sold_lines and rng.random() < 0.3:
        by_waiter.setdefault(id(opener), []).append(_refund(shop, session, day, rng))
    sellers = {id(e): e for e in shop.waiters + ([shop.manager] if shop.manager else [])}
    sent = []
    for key, orders in by_waiter.items():
        sent += await sellers[key]["pos.order"].create_from_ui(orders)
    await _remember_lines(env, shop, [order["id"] for order in sent])
    closing = await opener["pos.session"].get_closing_control_data([session])
    expected = Decimal(str(closing["default_cash_details"]["amount"]))
    counted = expected + Decimal(rng.choice(("0", "0", "0", "0", "-0.50", "1.00", "-2.00")))
    await opener["pos.session"].post_closing_cash_details([session], float(counted))
    answer = await opener["pos.session"].close_session_from_ui([session])
    assert answer["successful"], answer
    # Tables left to clean after the last guests: cleaned before the doors close.
    dirty = await opener["restaurant.table"].search([("status", "=", "cleaning")])
    if dirty:
        await opener["restaurant.table"].set_status(dirty, "available")
    await env["pos.session"].write([session], {
        "start_at": f"{day.isoformat()} 09:45:00", "stop_at": f"{day.isoformat()} 22:30:00"})


def _ui_order(shop: Shop, session: int, uid: str, when: str,
              lines: list[tuple[Product, Decimal]], payments: list[list[Any]], *,
              partner: Any = False, table: Any = False, guests: int = 1,
              seller: Env | None = None, refunds: dict[int, int] | None = None) -> dict[str, Any]:
    """An order as Odoo 16's POS sends it to ``create_from_ui``."""
    return {"id": uid, "to_invoice": False, "data": {
        "name": f"Order {uid}", "uid": uid, "pos_session_id": session, "creation_date": when,
        "user_id": seller.uid if seller else False, "partner_id": partner, "table_id": table,
        "customer_count": guests, "statement_ids": payments, "fiscal_position_id": False,
        "lines": [[0, 0, {
            "product_id": product.id, "qty": float(qty), "price_unit": float(product.price),
            "discount": 0, "full_product_name": product.name, "tax_ids": [[6, False, []]],
            **({"refunded_orderline_id": refunds[index]} if refunds and index in refunds else {}),
        }] for index, (product, qty) in enumerate(lines)]}}


def _refund(shop: Shop, session: int, day: dt.date, rng: random.Random) -> dict[str, Any]:
    """A guest brings back one item of an earlier order: refunded in cash."""
    line_id, product, qty = shop.sold_lines.pop(rng.randrange(len(shop.sold_lines)))
    back = Decimal(-1)
    when = f"{day.isoformat()} 12:15:00"
    uid = f"{shop.sessions:05d}-{shop.company:03d}-R{line_id}"
    return _ui_order(shop, session, uid, when, [(product, back)],
                     _payments(shop, _order_total([(product, back)]), when, rng),
                     refunds={0: line_id})


async def _remember_lines(env: Env, shop: Shop, order_ids: list[int]) -> None:
    """Sold lines a later day may refund (one item each)."""
    by_id = {product.id: product for product in shop.products}
    for line in await env["pos.order.line"].search_read(
            [("order_id", "in", order_ids), ("qty", ">", 0)], ["product_id", "qty"], load=None):
        shop.sold_lines.append((line["id"], by_id[line["product_id"]], Decimal(str(line["qty"]))))


async def _today(env: Env, shop: Shop, now: dt.datetime, rng: random.Random) -> None:
    """Today's open session: paid orders and unpaid ones still on their tables.

    These are created directly (superuser), with the names and uids tests
    look them up by (``BISTRO/0001``, ``demo-bistro-0001``).
    """
    cenv = env.with_context(allowed_company_ids=[shop.company])
    waiter = shop.waiters[0]
    shop.sessions += 1
    session = await cenv["pos.session"].create({
        "name": f"{shop.code}/{shop.sessions:05d}", "config_id": shop.config,
        "user_id": waiter.uid, "state": "opened", "start_at": now.strftime("%Y-%m-%d 08:00:00"),
        "cash_register_balance_start": 150.0})
    await cenv["pos.config"].write([shop.config], {
        "current_session_id": session, "current_session_state": "opened"})
    key = shop.spec.key
    for number in range(1, TODAY_ORDERS + 1):
        when = now - dt.timedelta(minutes=rng.randint(0, 8 * 60))
        picks = rng.sample(shop.products, k=rng.randint(1, 4))
        state = "paid" if number < TODAY_ORDERS - 2 else "draft"
        order = await cenv["pos.order"].create({
            "name": f"{shop.code}/{number:04d}",
            "pos_reference": f"Order {shop.sessions:05d}-001-{number:04d}",
            "uuid": f"demo-{key}-{number:04d}", "session_id": session,
            "config_id": shop.config, "company_id": shop.company, "user_id": waiter.uid,
            "partner_id": rng.choice(shop.customers[:8] + [False, False]),
            "table_id": rng.choice(shop.tables), "customer_count": rng.randint(1, 4),
            "date_order": when.strftime("%Y-%m-%d %H:%M:%S"), "state": state,
            "lines": [(0, 0, {"product_id": product.id, "qty": rng.randint(1, 3),
                              "price_unit": float(product.price), "full_product_name": None,
                              "name": f"{shop.code}/{number:04d}/{i + 1}",
                              "company_id": shop.company,
                              "tax_ids": [(6, 0, [tax.id for tax in product.taxes])]})
                      for i, product in enumerate(picks)],
        })
        await compute_amounts(cenv, [order])
        if state == "paid":
            total = (await cenv["pos.order"].read([order], ["amount_total"]))[0]["amount_total"]
            method = shop.cash if number % 3 == 0 else shop.card
            await cenv["pos.payment"].create({
                "pos_order_id": order, "payment_method_id": method, "amount": total,
                "payment_date": when.strftime("%Y-%m-%d %H:%M:%S"), "session_id": session,
                "company_id": shop.company, "name": "Demo payment"})
            await compute_amounts(cenv, [order])
    await refresh_table_status(env, shop.tables)


async def _reservations(env: Env, shops: dict[str, Shop], now: dt.datetime,
                        rng: random.Random) -> None:
    """Bookings for tomorrow evening (outside today's service)."""
    tomorrow = (now + dt.timedelta(days=1)).date().isoformat()
    for shop in shops.values():
        cenv = env.with_context(allowed_company_ids=[shop.company])
        for index, table in enumerate(shop.tables[-3:]):
            await cenv["restaurant.reservation"].create({
                "table_id": table, "partner_id": shop.customers[index], "covers": 2,
                "start_datetime": f"{tomorrow} {18 + index}:00:00",
                "end_datetime": f"{tomorrow} {19 + index}:30:00",
                "company_id": shop.company, "note": rng.choice(("Birthday", "", "Window seat"))})


async def load_demo(backend: Backend, registry: Registry, progress: Progress | None = None,
                    days: int = DEFAULT_DAYS) -> bool:
    async def unit(cr: Cursor) -> bool:
        return await load(Env(cr, registry, None), progress, days)
    await backend.start()
    try:
        created = await backend.run_unit(unit)
        await backend.analyze()
        return created
    finally:
        await backend.close()
