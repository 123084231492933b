"""REST platform routes: a platform owner picks the restaurant they work in."""
from __future__ import annotations

from typing import Any

import pytest

from tests.test_api_envelope import assert_error
from tests.test_api_products import get, token


async def company(orm: Any, xmlid: str) -> int:
    return await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(xmlid))


async def switch(client: Any, headers: dict[str, str], company_id: Any) -> Any:
    return await client.post(f"/api/v1/platform/restaurants/{company_id}/switch", headers=headers)


async def test_the_owner_switches_and_then_works_there(client: Any, orm: Any) -> None:
    headers = await token(client, "owner")
    sushi = await company(orm, "gateway_demo.restaurant_sushi")
    response = await switch(client, headers, sushi)
    body = await response.json()
    assert response.status == 200 and body["success"], body
    assert body["data"] == {"company_id": sushi, "allowed_company_ids": [sushi]}
    # the same token now works in Sushi Koi: its menu, and its only
    products = (await get(client, "/api/v1/products", headers, per_page=100))["data"]
    expected = await orm.run(lambda env: env["product.product"].search_count(
        [("company_id", "=", sushi)]))
    assert len(products) == expected > 0
    me = (await get(client, "/api/v1/auth/me", headers))["data"]
    assert me["company"] == {"id": sushi, "name": "Sushi Koi"}


@pytest.mark.parametrize("login,target,status,code", [
    ("owner", "gateway_demo.restaurant_porto", 403, "FORBIDDEN"),     # another platform's
    ("waiter", "gateway_demo.restaurant_sushi", 403, "FORBIDDEN"),    # not their restaurant
    ("owner", None, 403, "FORBIDDEN"),                                # no such company
])
async def test_switches_that_are_refused(client: Any, orm: Any, login: str, target: Any,
                                         status: int, code: str) -> None:
    headers = await token(client, login)
    target_id = await company(orm, target) if target else 999_999
    before = await orm.run(lambda env: env["res.users"].search_read(
        [("login", "=", login)], ["company_id"]))
    response = await switch(client, headers, target_id)
    body = await response.json()
    assert response.status == status, body
    assert_error(body, code)
    after = await orm.run(lambda env: env["res.users"].search_read(
        [("login", "=", login)], ["company_id"]))
    assert after == before


async def test_switching_needs_a_token_and_an_id(client: Any, orm: Any) -> None:
    sushi = await company(orm, "gateway_demo.restaurant_sushi")
    response = await switch(client, {}, sushi)
    assert response.status == 401
    response = await switch(client, await token(client, "owner"), "sushi")
    assert response.status == 404
