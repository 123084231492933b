"""Demo data: a platform with two restaurants, their staff, menus, floors and orders.

Everything is created through the models (as the fronts would), as the
superuser, in one transaction: a failed load leaves nothing behind. The
progress bar goes to stderr.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass
from typing import Any, Callable

from models import security
from models.db import Backend, Cursor
from models.env import Env
from models.pos_order import compute_amounts
from models.registry import Registry

MARKER = "gateway_demo.restaurant_bistro"


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    role: str
    restaurant: str   # 'bistro', 'sushi' or 'platform'


DEMO_USERS = (
    DemoUser("owner", "Olivia Owner", "platform owner", "platform"),
    DemoUser("manager", "Marco Manager", "restaurant manager", "bistro"),
    DemoUser("waiter", "Wendy Waiter", "cashier / waiter", "bistro"),
    DemoUser("kitchen", "Kai Kitchen", "kitchen", "bistro"),
    DemoUser("sushi.manager", "Sato Manager", "restaurant manager", "sushi"),
    DemoUser("sushi.waiter", "Sora Waiter", "cashier / waiter", "sushi"),
)
ROLE_GROUPS = {
    "platform owner": [security.PLATFORM_OWNER, security.POS_MANAGER, security.POS_USER,
                       security.USER],
    "restaurant manager": [security.POS_MANAGER, security.POS_USER, security.USER],
    "cashier / waiter": [security.POS_USER, security.USER],
    "kitchen": [security.KITCHEN, security.USER],
}

MENUS = {
    "bistro": {
        "Starters": [("Soup of the Day", 6.5), ("Caesar Salad", 9.0), ("Bruschetta", 7.0),
                     ("Garlic Bread", 4.5), ("Calamari", 10.5), ("Caprese", 8.5)],
        "Mains": [("Steak Frites", 24.0), ("Roast Chicken", 18.5), ("Fish and Chips", 17.0),
                  ("Mushroom Risotto", 16.5), ("Lasagne", 15.0), ("Burger Deluxe", 16.0),
                  ("Grilled Salmon", 22.0), ("Vegetable Curry", 14.5)],
        "Desserts": [("Tiramisu", 7.5), ("Creme Brulee", 7.0), ("Chocolate Fondant", 8.0),
                     ("Cheese Plate", 11.0), ("Lemon Tart", 6.5)],
        "Drinks": [("Espresso", 2.5), ("Cappuccino", 3.5), ("Sparkling Water", 3.0),
                   ("Orange Juice", 4.0), ("House Red (glass)", 6.0), ("House White (glass)", 6.0),
                   ("Craft Beer", 5.5), ("Lemonade", 3.8)],
    },
    "sushi": {
        "Nigiri": [("Salmon Nigiri", 4.5), ("Tuna Nigiri", 5.0), ("Eel Nigiri", 5.5),
                   ("Shrimp Nigiri", 4.0)],
        "Rolls": [("California Roll", 9.5), ("Spicy Tuna Roll", 11.0), ("Dragon Roll", 14.0),
                  ("Avocado Roll", 7.5), ("Rainbow Roll", 15.0)],
        "Hot Dishes": [("Miso Soup", 3.5), ("Chicken Teriyaki", 16.0), ("Tempura Udon", 14.5),
                       ("Gyoza", 7.0), ("Edamame", 5.0)],
        "Drinks": [("Green Tea", 3.0), ("Ramune", 4.0), ("Sake (small)", 7.5), ("Asahi", 5.5)],
    },
}

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


async def _group_ids(env: Env) -> dict[str, int]:
    ids = {}
    for group in security.GROUPS:
        ids[group.xmlid] = await env["ir.model.data"]._xmlid_to_res_id(group.xmlid)
    return ids


async def load(env: Env, progress: Progress | None = None, orders_per_restaurant: int = 24,
               seed: int = 7) -> bool:
    """Create the demo records unless they exist; answer whether they were created."""
    progress = progress or (lambda step, done, total: None)
    data = env["ir.model.data"]
    if await data._xmlid_to_res_id(MARKER) is not None:
        return False
    rng = random.Random(seed)
    steps = 8
    progress("restaurants", 0, steps)

    eur = await data._xmlid_to_res_id("base.EUR")
    be = await data._xmlid_to_res_id("base.be")
    platform = await env["res.company"].create({
        "name": "Grill & Roll Group", "is_platform": True, "currency_id": eur, "country_id": be,
        "email": "hello@grillroll.example"})
    restaurants = {
        "bistro": await env["res.company"].create({
            "name": "Bistro Centrale", "parent_id": platform, "currency_id": eur,
            "country_id": be, "city": "Brussels", "street": "Grand Place 1",
            "phone": "+32 2 555 01 01"}),
        "sushi": await env["res.company"].create({
            "name": "Sushi Koi", "parent_id": platform, "currency_id": eur, "country_id": be,
            "city": "Antwerp", "street": "Meir 12", "phone": "+32 3 555 02 02"}),
    }
    await data._set_xmlid(MARKER, "res.company", restaurants["bistro"])
    await data._set_xmlid("gateway_demo.restaurant_sushi", "res.company", restaurants["sushi"])
    await data._set_xmlid("gateway_demo.platform", "res.company", platform)
    admin = await data._xmlid_to_res_id("base.user_admin")
    all_companies = [platform, *restaurants.values()]
    # The administrator works in the first restaurant, so scripts see a menu at once.
    await env["res.users"].write([admin], {"company_ids": [(4, cid) for cid in all_companies],
                                           "company_id": restaurants["bistro"]})
    progress("staff", 1, steps)

    groups = await _group_ids(env)
    users = {}
    for demo in DEMO_USERS:
        companies = all_companies if demo.restaurant == "platform" else [restaurants[demo.restaurant]]
        company = platform if demo.restaurant == "platform" else restaurants[demo.restaurant]
        users[demo.login] = await env.with_context(allowed_company_ids=[company])["res.users"].create({
            "login": demo.login, "name": demo.name, "password": demo.login, "tz": "Europe/Brussels",
            "email": f"{demo.login}@grillroll.example", "company_id": company,
            "company_ids": [(6, 0, companies)],
            "groups_id": [(6, 0, [groups[g] for g in ROLE_GROUPS[demo.role]])]})
    progress("taxes and payment methods", 2, steps)

    setup: dict[str, dict[str, Any]] = {}
    for key, company in restaurants.items():
        cenv = env.with_context(allowed_company_ids=[company])
        setup[key] = {
            "food_tax": await cenv["account.tax"].create({
                "name": "VAT 12% (incl.)", "amount": 12.0, "price_include": True,
                "company_id": company}),
            "drink_tax": await cenv["account.tax"].create({
                "name": "VAT 21% (incl.)", "amount": 21.0, "price_include": True,
                "company_id": company}),
            "cash": await cenv["pos.payment.method"].create({
                "name": "Cash", "type": "cash", "is_cash_count": True, "company_id": company}),
            "card": await cenv["pos.payment.method"].create({
                "name": "Card", "type": "bank", "company_id": company}),
        }
    progress("menus", 3, steps)

    all_category = await data._xmlid_to_res_id("product.product_category_all")
    food = await env["product.category"].create({"name": "Food", "parent_id": all_category})
    drinks = await env["product.category"].create({"name": "Drinks", "parent_id": all_category})
    products: dict[str, list[tuple[int, float, int]]] = {}
    for key, menu in MENUS.items():
        company = restaurants[key]
        cenv = env.with_context(allowed_company_ids=[company])
        products[key] = []
        for sequence, (category_name, items) in enumerate(menu.items()):
            pos_category = await cenv["pos.category"].create({
                "name": category_name, "sequence": sequence, "company_id": company})
            is_drink = category_name == "Drinks"
            tax = setup[key]["drink_tax" if is_drink else "food_tax"]
            for index, (name, price) in enumerate(items):
                code = f"{key[:3].upper()}-{sequence + 1}{index + 1:02d}"
                product = await cenv["product.product"].create({
                    "name": name, "default_code": code, "list_price": price,
                    "standard_price": round(price * 0.3, 2), "available_in_pos": True,
                    "categ_id": drinks if is_drink else food, "company_id": company,
                    "barcode": f"54{company:02d}{sequence:02d}{index:04d}00"[:13],
                    "pos_categ_ids": [(6, 0, [pos_category])], "taxes_id": [(6, 0, [tax])]})
                products[key].append((product, price, tax))
    progress("floors and tables", 4, steps)

    tables: dict[str, list[int]] = {}
    configs: dict[str, int] = {}
    for key, company in restaurants.items():
        cenv = env.with_context(allowed_company_ids=[company])
        configs[key] = await cenv["pos.config"].create({
            "name": "Main Till" if key == "bistro" else "Sushi Bar", "company_id": company,
            "module_pos_restaurant": True, "currency_id": eur,
            "payment_method_ids": [(6, 0, [setup[key]["cash"], setup[key]["card"]])]})
        tables[key] = []
        for floor_index, floor_name in enumerate(("Main Floor", "Terrace")):
            floor = await cenv["restaurant.floor"].create({
                "name": floor_name, "sequence": floor_index, "company_id": company,
                "pos_config_ids": [(6, 0, [configs[key]])]})
            for number in range(1, (9 if key == "bistro" else 7)):
                tables[key].append(await cenv["restaurant.table"].create({
                    "name": f"{'T' if floor_index == 0 else 'P'}{number}", "floor_id": floor,
                    "seats": rng.choice((2, 2, 4, 4, 6)), "shape": rng.choice(("square", "round")),
                    "position_h": 40 + 110 * ((number - 1) % 4),
                    "position_v": 40 + 120 * ((number - 1) // 4), "company_id": company}))
    progress("customers", 5, steps)

    customers: dict[str, list[int]] = {}
    first = ("Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jonas")
    last = ("Peeters", "Janssens", "Maes", "Jacobs", "Willems", "Claes")
    for key, company in restaurants.items():
        cenv = env.with_context(allowed_company_ids=[company])
        customers[key] = []
        for index in range(8):
            name = f"{first[(index + len(key)) % len(first)]} {last[index % len(last)]}"
            customers[key].append(await cenv["res.partner"].create({
                "name": name, "email": f"{name.lower().replace(' ', '.')}@mail.example",
                "phone": f"+32 470 {index:02d} {company:02d} {index * 7 % 100:02d}",
                "company_id": company, "city": "Brussels" if key == "bistro" else "Antwerp"}))
    progress("sessions and orders", 6, steps)

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for key, company in restaurants.items():
        cenv = env.with_context(allowed_company_ids=[company])
        waiter = users["waiter" if key == "bistro" else "sushi.waiter"]
        session = await cenv["pos.session"].create({
            "name": f"{key.upper()}/00001", "config_id": configs[key], "user_id": waiter,
            "company_id": company, "state": "opened", "start_at": now.strftime("%Y-%m-%d 08:00:00"),
            "cash_register_balance_start": 150.0})
        await cenv["pos.config"].write([configs[key]], {
            "current_session_id": session, "current_session_state": "opened"})
        for number in range(1, orders_per_restaurant + 1):
            when = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 10))
            picks = rng.sample(products[key], k=rng.randint(1, 4))
            state = "paid" if number < orders_per_restaurant - 2 else "draft"
            order = await cenv["pos.order"].create({
                "name": f"{key.upper()}/{number:04d}",
                "pos_reference": f"Order 00001-001-{number:04d}",
                "uuid": f"demo-{key}-{number:04d}", "session_id": session,
                "config_id": configs[key], "company_id": company, "user_id": waiter,
                "partner_id": rng.choice(customers[key] + [False, False]),
                "table_id": rng.choice(tables[key]), "customer_count": rng.randint(1, 4),
                "date_order": when.strftime("%Y-%m-%d %H:%M:%S"), "state": state,
                "lines": [(0, 0, {"product_id": product, "qty": rng.randint(1, 3),
                                  "price_unit": price, "full_product_name": None,
                                  "name": f"{key.upper()}/{number:04d}/{i + 1}",
                                  "company_id": company, "tax_ids": [(6, 0, [tax])]})
                          for i, (product, price, tax) in enumerate(picks)],
            })
            await compute_amounts(cenv, [order])
            if state == "paid":
                total = (await cenv["pos.order"].read([order], ["amount_total"]))[0]["amount_total"]
                method = setup[key]["cash" if number % 3 == 0 else "card"]
                await cenv["pos.payment"].create({
                    "pos_order_id": order, "payment_method_id": method, "amount": total,
                    "payment_date": when.strftime("%Y-%m-%d %H:%M:%S"), "session_id": session,
                    "company_id": company, "name": "Demo payment"})
                await compute_amounts(cenv, [order])
    progress("done", steps, steps)
    return True


async def load_demo(backend: Backend, registry: Registry, progress: Progress | None = None) -> bool:
    async def unit(cr: Cursor) -> bool:
        return await load(Env(cr, registry, None), progress)
    await backend.start()
    try:
        created = await backend.run_unit(unit)
        await backend.analyze()
        return created
    finally:
        await backend.close()
