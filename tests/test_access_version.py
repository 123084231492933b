"""Cached access facts follow every change that alters them, on every worker.

Two apps on one database stand for two worker processes: each has its own
caches (user facts, password checks), and a change made through one must
apply to the very next request on the other.
"""
from __future__ import annotations

from typing import Any

import pytest

from gateway.app import create_app
from tests.support import assert_odoo_error, call_kw, login, result, rpc


@pytest.fixture
async def workers(aiohttp_client: Any, db: Any) -> tuple[Any, Any]:
    return (await aiohttp_client(create_app(db.config)),
            await aiohttp_client(create_app(db.config)))


async def _group_id(client: Any, xmlid: str) -> int:
    module, name = xmlid.split(".")
    return result(await call_kw(client, "ir.model.data", "check_object_reference",
                                [module, name]))[1]


async def _uid(client: Any, login_name: str) -> int:
    return result(await call_kw(client, "res.users", "search", [[("login", "=", login_name)]]))[0]


async def test_group_removed_from_the_group_side_is_revoked_everywhere(workers: Any) -> None:
    admin, manager = workers
    await login(admin)
    await login(manager, "manager")
    product = {"name": "Revocation Soup", "list_price": 5.0}
    assert isinstance(result(await call_kw(manager, "product.product", "create", [product])), int)

    # written on the *group*, not on the user: the user's write_date does not change
    manager_uid = await _uid(admin, "manager")
    for xmlid in ("point_of_sale.group_pos_manager", "gateway.group_platform_owner"):
        gid = await _group_id(admin, xmlid)
        assert result(await call_kw(admin, "res.groups", "write",
                                    [[gid], {"users": [(3, manager_uid)]}])) is True

    body = await call_kw(manager, "product.product", "create", [product])
    assert_odoo_error(body, "odoo.exceptions.AccessError",
                      message="You are not allowed to create 'Product'")


async def test_two_changes_in_the_same_second_both_apply(workers: Any) -> None:
    admin, waiter = workers
    await login(admin)
    await login(waiter, "waiter")
    waiter_uid = await _uid(admin, "waiter")
    kitchen = await _group_id(admin, "gateway.group_kitchen")
    pos_user = await _group_id(admin, "point_of_sale.group_pos_user")
    internal = await _group_id(admin, "base.group_user")
    order_count = result(await call_kw(waiter, "pos.order", "search_count", [[]]))
    for groups in ([kitchen, internal], [pos_user, internal]):   # back and forth, at once
        assert result(await call_kw(admin, "res.users", "write",
                                    [[waiter_uid], {"groups_id": [(6, 0, groups)]}])) is True
    assert result(await call_kw(waiter, "pos.order", "search_count", [[]])) == order_count
    assert result(await call_kw(admin, "res.users", "write",
                                [[waiter_uid], {"groups_id": [(6, 0, [kitchen, internal])]}]))
    body = await call_kw(waiter, "pos.order", "create", [{}])
    assert_odoo_error(body, "odoo.exceptions.AccessError")


async def test_new_restaurant_of_a_platform_is_visible_to_its_owner_at_once(workers: Any) -> None:
    admin, owner = workers
    await login(admin)
    info = await login(owner, "owner")
    platform = info["user_companies"]["current_company"]
    before = result(await call_kw(owner, "res.company", "search", [[]]))
    new = result(await call_kw(admin, "res.company", "create",
                               [{"name": "Taqueria Nueva", "parent_id": platform}],
                               {"context": {"allowed_company_ids": [platform]}}))
    after = result(await call_kw(owner, "res.company", "search", [[]]))
    assert new not in before and set(after) == set(before) | {new}


async def test_password_changed_on_one_worker_is_refused_on_the_other(workers: Any) -> None:
    admin, other = workers
    await login(admin)
    # the other worker has checked (and cached) the waiter's password
    body = await rpc(other, "/jsonrpc", {"service": "object", "method": "execute_kw", "args": [
        "gateway", await _uid(admin, "waiter"), "waiter", "res.partner", "search_count", [[]]]})
    assert isinstance(result(body), int)
    waiter_uid = await _uid(admin, "waiter")
    assert result(await call_kw(admin, "res.users", "write",
                                [[waiter_uid], {"password": "a new secret"}])) is True
    body = await rpc(other, "/jsonrpc", {"service": "object", "method": "execute_kw", "args": [
        "gateway", waiter_uid, "waiter", "res.partner", "search_count", [[]]]})
    assert_odoo_error(body, "odoo.exceptions.AccessDenied")
    body = await rpc(other, "/jsonrpc", {"service": "object", "method": "execute_kw", "args": [
        "gateway", waiter_uid, "a new secret", "res.partner", "search_count", [[]]]})
    assert isinstance(result(body), int)
