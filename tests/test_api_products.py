"""REST products and categories: scoping by restaurant, pagination, sort/filter, ETag, writes."""
from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest

from gateway.api.products import none_match

from tests.test_api_auth import bearer, login
from tests.test_api_envelope import ENVELOPE_KEYS, assert_error

PRODUCT_KEYS = {"id", "name", "display_name", "default_code", "barcode", "list_price",
                "category_ids", "taxes", "available_in_pos", "type", "uom_name", "active"}


async def token(client: Any, username: str = "waiter") -> dict[str, str]:
    return bearer((await login(client, username))["access_token"])


async def get(client: Any, path: str, headers: dict[str, str], status: int = 200,
              **params: Any) -> dict[str, Any]:
    response = await client.get(path, headers=headers, params=params)
    body = await response.json()
    assert response.status == status, body
    assert set(body) == ENVELOPE_KEYS
    return body


async def first_product(orm: Any, login_: str, domain: Any = ()) -> dict[str, Any]:
    async def fn(env: Any) -> dict[str, Any]:
        return (await env["product.product"].search_read(
            list(domain), ["name", "barcode", "list_price", "pos_categ_ids"], limit=1))[0]
    return await orm.run(fn, login=login_)


# -- reading ------------------------------------------------------------------------------------

async def test_list_is_the_restaurants_products_with_pagination_meta(client: Any,
                                                                     orm: Any) -> None:
    headers = await token(client)
    body = await get(client, "/api/v1/products", headers)
    assert body["success"] is True and len(body["data"]) == 20
    product = body["data"][0]
    assert set(product) == PRODUCT_KEYS
    assert product["taxes"] and set(product["taxes"][0]) == {"id", "name", "amount",
                                                             "price_include"}
    total = await orm.run(lambda env: env["product.product"].search_count([]), login="waiter")
    assert body["meta"]["pagination"] == {"page": 1, "per_page": 20, "total": total,
                                          "pages": -(-total // 20), "next": 2, "prev": None}
    names = await orm.run(lambda env: env["product.product"].search_read(
        [], ["name"], order="name asc"), login="waiter")
    assert [p["name"] for p in body["data"]] == [n["name"] for n in names[:20]]

    last = -(-total // 20)
    body = await get(client, "/api/v1/products", headers, page=last)
    assert body["meta"]["pagination"]["next"] is None
    assert body["meta"]["pagination"]["prev"] == last - 1
    assert len(body["data"]) == total - 20 * (last - 1)

    body = await get(client, "/api/v1/products", headers, page=last + 5, per_page=100)
    assert body["data"] == [] and body["meta"]["pagination"]["total"] == total

    seen: set[int] = set()
    for page in range(1, last + 1):
        body = await get(client, "/api/v1/products", headers, page=page, per_page=20)
        seen |= {p["id"] for p in body["data"]}
    assert len(seen) == total


async def test_sushi_products_never_appear_for_bistro(client: Any, orm: Any) -> None:
    sushi = await first_product(orm, "sushi.waiter")
    headers = await token(client)
    response = await client.get("/api/v1/products", headers=headers,
                                params={"per_page": 100, "q": sushi["name"]})
    assert sushi["name"] not in await response.text()
    for path in (f"/api/v1/products/{sushi['id']}", f"/api/v1/products/barcode/{sushi['barcode']}"):
        response = await client.get(path, headers=headers)
        assert response.status == 404
        text = await response.text()
        assert sushi["name"] not in text
        assert_error(orjson.loads(text), "NOT_FOUND")
    # the Sushi waiter does see it
    body = await get(client, f"/api/v1/products/{sushi['id']}", await token(client, "sushi.waiter"))
    assert body["data"]["name"] == sushi["name"]


@pytest.mark.parametrize("path", [
    "/api/v1/products/999999", "/api/v1/products/99999999999999", "/api/v1/products/abc",
    "/api/v1/products/-1", "/api/v1/products/1.5", "/api/v1/products/barcode/no-such-code",
])
async def test_unknown_products_are_404(client: Any, path: str) -> None:
    response = await client.get(path, headers=await token(client))
    assert response.status == 404
    assert_error(await response.json(), "NOT_FOUND")


async def test_one_product_and_by_barcode(client: Any, orm: Any) -> None:
    product = await first_product(orm, "waiter", [("barcode", "!=", False)])
    headers = await token(client)
    one = (await get(client, f"/api/v1/products/{product['id']}", headers))["data"]
    assert set(one) == PRODUCT_KEYS and one["name"] == product["name"]
    by_code = (await get(client, f"/api/v1/products/barcode/{product['barcode']}", headers))["data"]
    assert by_code == one


@pytest.mark.parametrize("params, check", [
    ({"available_in_pos": "true"}, lambda p: p["available_in_pos"] is True),
    ({"available_in_pos": "0"}, lambda p: p["available_in_pos"] is False),
])
async def test_boolean_filters(client: Any, orm: Any, params: dict[str, str], check: Any) -> None:
    hidden = await first_product(orm, "manager")
    await orm.run(lambda env: env["product.product"].write(
        [hidden["id"]], {"available_in_pos": False}), login="manager")
    body = await get(client, "/api/v1/products", await token(client), per_page=100, **params)
    wanted = params["available_in_pos"] in ("true", "1")
    total = await orm.run(lambda env: env["product.product"].search_count(
        [("available_in_pos", "=", wanted)]), login="waiter")
    assert body["meta"]["pagination"]["total"] == total > 0
    assert all(check(p) for p in body["data"])
    assert (hidden["id"] in {p["id"] for p in body["data"]}) is not wanted


async def test_category_barcode_and_text_filters(client: Any, orm: Any) -> None:
    headers = await token(client)
    product = await first_product(orm, "waiter", [("barcode", "!=", False)])
    category = product["pos_categ_ids"][0]
    body = await get(client, "/api/v1/products", headers, category_id=category, per_page=100)
    total = await orm.run(lambda env: env["product.product"].search_count(
        [("pos_categ_ids", "=", category)]), login="waiter")
    assert body["meta"]["pagination"]["total"] == total > 0
    assert all(category in p["category_ids"] for p in body["data"])

    body = await get(client, "/api/v1/products", headers, barcode=product["barcode"])
    assert [p["id"] for p in body["data"]] == [product["id"]]

    needle = product["name"][1:4].upper()
    body = await get(client, "/api/v1/products", headers, q=needle, per_page=100)
    assert product["id"] in {p["id"] for p in body["data"]}
    assert all(needle.lower() in (p["name"] + (p["default_code"] or "")
                                  + (p["barcode"] or "")).lower() for p in body["data"])


@pytest.mark.parametrize("sort, order", [
    ("list_price", "list_price asc"), ("-list_price", "list_price desc"), ("-id", "id desc"),
    ("name", "name asc"), ("-default_code,name", "default_code desc, name asc"),
])
async def test_sorting(client: Any, orm: Any, sort: str, order: str) -> None:
    body = await get(client, "/api/v1/products", await token(client), sort=sort, per_page=100)
    expected = await orm.run(lambda env: env["product.product"].search(
        [], limit=100, order=order), login="waiter")
    assert [p["id"] for p in body["data"]] == expected


async def test_sort_on_two_fields(client: Any) -> None:
    body = await get(client, "/api/v1/products", await token(client), sort="-list_price,id",
                     per_page=100)
    pairs = [(-p["list_price"], p["id"]) for p in body["data"]]
    assert pairs == sorted(pairs)


@pytest.mark.parametrize("params, field", [
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page": "-1"}, "page"),
    ({"page": "99999999999999"}, "page"),
    ({"per_page": "0"}, "per_page"), ({"per_page": "101"}, "per_page"),
    ({"per_page": "ten"}, "per_page"), ({"per_page": "1.5"}, "per_page"),
    ({"sort": "standard_price"}, "sort"), ({"sort": "name,-password"}, "sort"),
    ({"sort": ""}, "sort"), ({"sort": "name,name"}, "sort"), ({"sort": "uom_name"}, "sort"),
    ({"company_id": "2"}, "company_id"), ({"standard_price": "1"}, "standard_price"),
    ({"category_id": "abc"}, "category_id"), ({"category_id": "0"}, "category_id"),
    ({"available_in_pos": "maybe"}, "available_in_pos"), ({"q": " "}, "q"),
    ({"barcode": ""}, "barcode"),
])
async def test_bad_list_parameters_are_422_naming_them(client: Any, params: dict[str, str],
                                                       field: str) -> None:
    response = await client.get("/api/v1/products", headers=await token(client), params=params)
    assert response.status == 422
    error = assert_error(await response.json(), "VALIDATION_ERROR")
    assert set(error["field_errors"]) == {field}


async def test_repeated_parameter_and_unknown_on_other_lists(client: Any) -> None:
    headers = await token(client)
    response = await client.get("/api/v1/products?page=1&page=2", headers=headers)
    assert response.status == 422
    assert set((await response.json())["error"]["field_errors"]) == {"page"}
    for path in ("/api/v1/categories?page=2", "/api/v1/products/mobile?sort=name"):
        response = await client.get(path, headers=headers)
        assert response.status == 422, path
        assert set((await response.json())["error"]["field_errors"]) <= {"page", "sort"}


async def test_categories_are_the_restaurants(client: Any, orm: Any) -> None:
    body = await get(client, "/api/v1/categories", await token(client))
    mine = await orm.run(lambda env: env["pos.category"].search_read([], ["name"]),
                         login="waiter")
    sushi = await orm.run(lambda env: env["pos.category"].search_read([], ["name"]),
                          login="sushi.waiter")
    assert [c["id"] for c in body["data"]] == [c["id"] for c in mine]
    assert body["meta"]["count"] == len(mine) > 0
    assert set(body["data"][0]) == {"id", "name", "parent_id", "sequence", "color"}
    assert not {c["id"] for c in sushi} & {c["id"] for c in body["data"]}


@pytest.mark.parametrize("path", [
    "/api/v1/products", "/api/v1/products/1", "/api/v1/products/mobile",
    "/api/v1/products/barcode/123", "/api/v1/categories",
])
async def test_reading_needs_a_token(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")
    response = await client.get(path, headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status == 401


# -- the phone's menu --------------------------------------------------------------------------

async def test_mobile_menu_etag_round_trip(client: Any, orm: Any) -> None:
    headers = await token(client)
    response = await client.get("/api/v1/products/mobile", headers=headers)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    etag = response.headers["ETag"]
    body = await response.json()
    assert set(body) == ENVELOPE_KEYS and body["success"] is True
    assert etag == '"' + hashlib.sha256(orjson.dumps(body["data"])).hexdigest() + '"'
    total = await orm.run(lambda env: env["product.product"].search_count(
        [("available_in_pos", "=", True)]), login="waiter")
    assert len(body["data"]) == body["meta"]["count"] == total
    item = body["data"][0]
    assert set(item) == {"id", "name", "price", "category_id", "barcode", "image_urls"}
    assert item["image_urls"] == {
        size: f"/web/image/product.product/{item['id']}/{size}"
        for size in ("image_128", "image_512", "image_1024")}

    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*", f' "x" ,W/{etag} '):
        response = await client.get("/api/v1/products/mobile",
                                    headers={**headers, "If-None-Match": header})
        assert response.status == 304, header
        assert await response.read() == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "private, no-cache"
    for header in ('"nope"', etag[:-2] + '"', "garbage", f"{etag} junk"):
        response = await client.get("/api/v1/products/mobile",
                                    headers={**headers, "If-None-Match": header})
        assert response.status == 200, header

    # a price change is a new ETag
    manager = await token(client, "manager")
    response = await client.patch(f"/api/v1/products/{item['id']}", headers=manager,
                                  json={"list_price": item["price"] + 1})
    assert response.status == 200, await response.text()
    response = await client.get("/api/v1/products/mobile",
                                headers={**headers, "If-None-Match": etag})
    assert response.status == 200
    assert response.headers["ETag"] != etag
    changed = {p["id"]: p for p in (await response.json())["data"]}
    assert changed[item["id"]]["price"] == item["price"] + 1


async def test_mobile_menus_differ_by_restaurant(client: Any) -> None:
    bistro = await client.get("/api/v1/products/mobile", headers=await token(client))
    sushi = await client.get("/api/v1/products/mobile",
                             headers=await token(client, "sushi.waiter"))
    assert bistro.headers["ETag"] != sushi.headers["ETag"]
    assert not ({p["id"] for p in (await bistro.json())["data"]}
                & {p["id"] for p in (await sushi.json())["data"]})


@pytest.mark.parametrize("header, matches", [
    ('"a"', True), ('W/"a"', True), ('"b", "a"', True), ("*", True), ('"b"', False),
    ("", False), ('"a', False), ('a', False), ('"a" "b"', False), ('"b",,"a"', False),
])
def test_if_none_match_parsing(header: str, matches: bool) -> None:
    assert none_match(header, '"a"') is matches


# -- managers' writes --------------------------------------------------------------------------

async def test_manager_creates_updates_archives(client: Any, orm: Any) -> None:
    headers = await token(client, "manager")
    categories = (await get(client, "/api/v1/categories", headers))["data"]
    tax = (await get(client, "/api/v1/products", headers))["data"][0]["taxes"][0]
    response = await client.post("/api/v1/products", headers=headers, json={
        "name": " Tiramisu della casa ", "list_price": 7.5, "barcode": "9990001",
        "default_code": "TIRA", "category_ids": [categories[0]["id"]], "tax_ids": [tax["id"]]})
    assert response.status == 201, await response.text()
    created = (await response.json())["data"]
    assert created["name"] == "Tiramisu della casa"
    assert created["display_name"] == "[TIRA] Tiramisu della casa"
    assert created["list_price"] == 7.5 and created["available_in_pos"] is True
    assert created["category_ids"] == [categories[0]["id"]] and created["taxes"] == [tax]
    company = await orm.run(lambda env: env["product.product"].read(
        [created["id"]], ["company_id"]), login="manager")
    assert company[0]["company_id"][1] == "Bistro Centrale"

    response = await client.patch(f"/api/v1/products/{created['id']}", headers=headers,
                                  json={"list_price": 0, "barcode": None, "tax_ids": []})
    assert response.status == 200, await response.text()
    updated = (await response.json())["data"]
    assert updated["list_price"] == 0 and updated["barcode"] is None and updated["taxes"] == []

    response = await client.delete(f"/api/v1/products/{created['id']}", headers=headers)
    assert response.status == 200
    assert (await response.json())["data"]["active"] is False
    body = await get(client, "/api/v1/products", headers, q="Tiramisu della casa")
    assert body["data"] == []
    one = await get(client, f"/api/v1/products/{created['id']}", headers)
    assert one["data"]["active"] is False
    response = await client.patch(f"/api/v1/products/{created['id']}", headers=headers,
                                  json={"active": True})
    assert response.status == 200 and (await response.json())["data"]["active"] is True


async def test_manager_cannot_touch_sushi_products(client: Any, orm: Any) -> None:
    sushi = await first_product(orm, "sushi.waiter")
    headers = await token(client, "manager")
    for method, json in (("PATCH", {"list_price": 1}), ("DELETE", None)):
        response = await client.request(method, f"/api/v1/products/{sushi['id']}",
                                        headers=headers, json=json)
        assert response.status == 404
        assert sushi["name"] not in await response.text()
    after = await first_product(orm, "sushi.waiter", [("id", "=", sushi["id"])])
    assert after["list_price"] == sushi["list_price"]


@pytest.mark.parametrize("method, path, json", [
    ("POST", "/api/v1/products", {"name": "Nope"}),
    ("PATCH", "/api/v1/products/{id}", {"list_price": 1}),
    ("DELETE", "/api/v1/products/{id}", None),
])
async def test_waiter_may_not_write(client: Any, orm: Any, method: str, path: str,
                                    json: Any) -> None:
    product = await first_product(orm, "waiter")
    response = await client.request(method, path.format(id=product["id"]),
                                    headers=await token(client), json=json)
    assert response.status == 403
    assert_error(await response.json(), "FORBIDDEN")
    response = await client.request(method, path.format(id=product["id"]), json=json)
    assert response.status == 401


async def _category_and_tax_of(orm: Any, login_: str) -> tuple[int, int]:
    async def fn(env: Any) -> tuple[int, int]:
        return ((await env["pos.category"].search([], limit=1))[0],
                (await env["account.tax"].search([], limit=1))[0])
    return await orm.run(fn, login=login_)


@pytest.mark.parametrize("body, field", [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": 5}, "name"),
    ({"name": "X", "list_price": -1}, "list_price"),
    ({"name": "X", "list_price": "3"}, "list_price"),
    ({"name": "X", "list_price": True}, "list_price"),
    ({"name": "X", "category_ids": "SUSHI_CATEGORY"}, "category_ids"),
    ({"name": "X", "category_ids": [999999]}, "category_ids"),
    ({"name": "X", "category_ids": 3}, "category_ids"),
    ({"name": "X", "category_ids": ["1"]}, "category_ids"),
    ({"name": "X", "tax_ids": "SUSHI_TAX"}, "tax_ids"),
    ({"name": "X", "tax_ids": [0]}, "tax_ids"),
    ({"name": "X", "available_in_pos": "yes"}, "available_in_pos"),
    ({"name": "X", "active": 1}, "active"),
    ({"name": "X", "list_price": 1e13}, "list_price"),
    ({"name": "X", "type": "gift"}, "type"),
    ({"name": "X", "barcode": 123}, "barcode"),
    ({"name": "X", "barcode": "BISTRO_BARCODE"}, "barcode"),
    ({"name": "X", "uom_name": ""}, "uom_name"),
    ({"name": "X", "company_id": 3}, "company_id"),
    ({"name": "X", "standard_price": 3}, "standard_price"),
])
async def test_create_validation(client: Any, orm: Any, body: dict[str, Any],
                                 field: str) -> None:
    category, tax = await _category_and_tax_of(orm, "sushi.manager")
    taken = await first_product(orm, "waiter", [("barcode", "!=", False)])
    swap = {"SUSHI_CATEGORY": [category], "SUSHI_TAX": [tax], "BISTRO_BARCODE": taken["barcode"]}
    body = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    headers = await token(client, "manager")
    before = await orm.run(lambda env: env["product.product"].search_count([]), login="manager")
    response = await client.post("/api/v1/products", headers=headers, json=body)
    assert response.status == 422, await response.text()
    error = assert_error(await response.json(), "VALIDATION_ERROR")
    assert set(error["field_errors"]) == {field}
    after = await orm.run(lambda env: env["product.product"].search_count([]), login="manager")
    assert after == before


@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"name": None}, "name"), ({"list_price": -0.01}, "list_price"),
    ({"category_ids": "SUSHI_CATEGORY"}, "category_ids"), ({"id": 5}, "id"),
    ({"barcode": "OTHER_BARCODE"}, "barcode"),
])
async def test_update_validation(client: Any, orm: Any, body: dict[str, Any],
                                 field: str) -> None:
    category, _tax = await _category_and_tax_of(orm, "sushi.manager")
    products = await orm.run(lambda env: env["product.product"].search_read(
        [("barcode", "!=", False)], ["barcode", "list_price"], limit=2), login="waiter")
    swap = {"SUSHI_CATEGORY": [category], "OTHER_BARCODE": products[1]["barcode"]}
    body = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = await client.patch(f"/api/v1/products/{products[0]['id']}",
                                  headers=await token(client, "manager"), json=body)
    assert response.status == 422, await response.text()
    assert set(assert_error(await response.json(), "VALIDATION_ERROR")["field_errors"]) == {field}


async def test_update_keeps_its_own_barcode(client: Any, orm: Any) -> None:
    product = await first_product(orm, "waiter", [("barcode", "!=", False)])
    response = await client.patch(f"/api/v1/products/{product['id']}",
                                  headers=await token(client, "manager"),
                                  json={"barcode": product["barcode"], "name": "Renamed"})
    assert response.status == 200, await response.text()
    assert (await response.json())["data"]["name"] == "Renamed"


async def test_write_bodies_must_be_json_objects(client: Any) -> None:
    headers = {**await token(client, "manager"), "Content-Type": "application/json"}
    response = await client.post("/api/v1/products", headers=headers, data=b"[1]")
    assert response.status == 400
    assert_error(await response.json(), "BAD_REQUEST")
