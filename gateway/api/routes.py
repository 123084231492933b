"""Every route of the REST API: the core table here, and each resource module's own ``ROUTES``."""
from __future__ import annotations

from aiohttp import web

from . import (auth_routes, customers, flags, hardware, health, kitchen, openapi, orders,
               pin_routes, platform, products, reports, restaurants, tables, ws)
from .envelope import PREFIX

ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/health", health.liveness),
    ("GET", f"{PREFIX}/health", health.health),
    ("POST", f"{PREFIX}/auth/login", auth_routes.login),
    ("POST", f"{PREFIX}/auth/refresh", auth_routes.refresh),
    ("POST", f"{PREFIX}/auth/logout", auth_routes.logout),
    ("GET", f"{PREFIX}/auth/me", auth_routes.me),
    ("GET", f"{PREFIX}/auth/sessions", auth_routes.sessions),
    ("DELETE", f"{PREFIX}/auth/sessions/{{family}}", auth_routes.revoke_session),
    ("GET", f"{PREFIX}/auth/staff", pin_routes.staff),
    ("POST", f"{PREFIX}/auth/pin", pin_routes.pin_login),
    ("PUT", f"{PREFIX}/auth/pin", pin_routes.set_pin),
    ("PUT", f"{PREFIX}/users/{{id:\\d+}}/pin", pin_routes.set_pin),
    ("GET", f"{PREFIX}/products", products.list_products),
    ("POST", f"{PREFIX}/products", products.create_product),
    ("GET", f"{PREFIX}/products/mobile", products.mobile_products),
    ("GET", f"{PREFIX}/products/barcode/{{code}}", products.product_by_barcode),
    ("GET", f"{PREFIX}/products/{{id:\\d+}}", products.get_product),
    ("PATCH", f"{PREFIX}/products/{{id:\\d+}}", products.update_product),
    ("DELETE", f"{PREFIX}/products/{{id:\\d+}}", products.archive_product),
    ("GET", f"{PREFIX}/categories", products.list_categories),
    ("GET", f"{PREFIX}/orders", orders.list_orders),
    ("POST", f"{PREFIX}/orders", orders.create_order),
    ("GET", f"{PREFIX}/orders/{{id:\\d+}}", orders.get_order),
    ("POST", f"{PREFIX}/orders/{{id:\\d+}}/pay", orders.pay_order),
    ("POST", f"{PREFIX}/orders/{{id:\\d+}}/refund", orders.refund_order),
    ("POST", f"{PREFIX}/orders/{{id:\\d+}}/status", orders.set_status),
    ("POST", f"{PREFIX}/orders/{{id:\\d+}}/lines", orders.add_line),
    ("DELETE", f"{PREFIX}/orders/{{id:\\d+}}/lines/{{line_id:\\d+}}", orders.remove_line),
    ("POST", f"{PREFIX}/platform/restaurants/{{id:\\d+}}/switch", platform.switch_restaurant),
    *platform.ROUTES,
    *customers.ROUTES,
    *restaurants.ROUTES,
    *tables.ROUTES,
    *kitchen.ROUTES,
    *hardware.ROUTES,
    *ws.ROUTES,
    *reports.ROUTES,
    *flags.ROUTES,
    *health.ROUTES,
    *openapi.ROUTES,
]


def add_api_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)  # type: ignore[arg-type]
