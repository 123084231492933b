"""REST service routes: detailed health reports, feature flags, the caller's preferences."""
from __future__ import annotations

import os
from typing import Any

import pytest

from gateway.api import health
from gateway.keys import BACKEND
from models.exceptions import AccessError, ValidationError

from tests.test_api_auth import bearer, login
from tests.test_api_envelope import ENVELOPE_KEYS, assert_error

HEALTH = ("/api/v1/health/database", "/api/v1/health/system", "/api/v1/health/comprehensive")
FLAGS = "/api/v1/feature-flags"
PREFS = "/api/v1/users/me/preferences"


async def token(client: Any, username: str) -> dict[str, str]:
    return bearer((await login(client, username))["access_token"])


async def call(client: Any, method: str, path: str, headers: dict[str, str] | None = None,
               status: int = 200, **kwargs: Any) -> dict[str, Any]:
    response = await client.request(method, path, headers=headers or {}, **kwargs)
    body = await response.json()
    assert response.status == status, body
    assert set(body) == ENVELOPE_KEYS
    return body


async def switch(client: Any, headers: dict[str, str], orm: Any, xmlid: str) -> None:
    company = await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(xmlid))
    await call(client, "POST", f"/api/v1/platform/restaurants/{company}/switch", headers)


def flags_by_key(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {flag["key"]: flag for flag in body["data"]}


# -- health ------------------------------------------------------------------------------------

@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_detailed_health_needs_the_administrator(client: Any) -> None:
    for path in HEALTH:
        assert_error(await call(client, "GET", path, status=401), "AUTHENTICATION_FAILED")
    for login_ in ("waiter", "manager", "owner", "harbour.owner"):
        headers = await token(client, login_)
        for path in HEALTH:
            assert_error(await call(client, "GET", path, headers, status=403), "FORBIDDEN")
    # the short probe stays public
    assert (await call(client, "GET", "/api/v1/health"))["data"]["status"] == "pass"


async def test_detailed_health_reports_real_figures(client: Any, db: Any) -> None:
    headers = await token(client, "admin")
    body = await call(client, "GET", "/api/v1/health/database", headers)
    data = body["data"]
    assert set(data["checks"]) == {"database", "migrations"}
    database, migrations = data["checks"]["database"], data["checks"]["migrations"]
    assert database["kind"] == db.kind and database["round_trip_ms"] >= 0
    assert database["status"] in ("pass", "warn")
    pool = database["pool"]
    if db.kind == "sqlite":
        assert pool["connections"] == pool["max_connections"] == 1
        assert isinstance(pool["busy"], bool)
        assert database["journal_mode"] == "wal" and database["file_bytes"] > 0
    else:
        assert pool["max_connections"] == pool["connections"] >= 1
        assert 1 <= pool["in_use"] <= pool["connections"]   # this request holds one
        assert database["server_version"]
    expected = sorted(name[:-3] for name in os.listdir(health.MIGRATIONS_DIR)
                      if name[0].isdigit() and name.endswith(".py"))
    assert migrations == {"status": "pass", "applied_head": expected[-1],
                          "expected_head": expected[-1], "applied": len(expected),
                          "expected": len(expected), "pending": [], "unknown": []}

    system = (await call(client, "GET", "/api/v1/health/system", headers))["data"]["checks"]
    assert {"process", "memory", "disk"} <= set(system)
    assert system["process"]["rss_bytes"] > 0 and system["process"]["uptime_seconds"] >= 0
    assert system["disk"]["path"] == os.path.abspath(db.config.data_dir)
    assert 0 < system["disk"]["free_bytes"] <= system["disk"]["total_bytes"]

    full = (await call(client, "GET", "/api/v1/health/comprehensive", headers))["data"]
    assert set(full["checks"]) >= {"database", "migrations", "bus", "process", "disk"}
    assert full["status"] == health.worst([c["status"] for c in full["checks"].values()])
    bus = full["checks"]["bus"]
    assert bus["status"] == "pass" and bus["rows"] >= 0
    assert bus["listener"] in ("in-process", "postgresql") and bus["subscribers"] >= 0
    assert bus["unread"] >= 0 and bus["cursor"] >= 0
    if bus["rows"]:
        assert bus["newest_age_seconds"] >= 0 and bus["newest_at"]


async def test_an_unreachable_database_is_a_503_report(client: Any, db: Any,
                                                       tmp_path: Any) -> None:
    headers = await token(client, "admin")
    backend = client.app[BACKEND]
    await backend.close()
    if db.kind == "postgresql":
        backend.url = "postgresql://postgres@127.0.0.1:1/nowhere"     # nothing listens there
    else:
        (tmp_path / "a-file").write_text("")
        backend.path = str(tmp_path / "a-file" / "db.sqlite3")        # cannot be opened
    for path in HEALTH:
        body = await call(client, "GET", path, headers, status=503)
        assert body["data"]["status"] == "fail"
        assert list(body["data"]["checks"]) == ["database"]
        check = body["data"]["checks"]["database"]
        assert check["status"] == "fail" and check["kind"] == db.kind and check["error"]
        assert body["message"] == "Health check failed: database"
    assert_error(await call(client, "GET", HEALTH[0], status=401), "AUTHENTICATION_FAILED")


@pytest.mark.parametrize("total, free, verdict", [
    (100 * 2**30, 50 * 2**30, "pass"),
    (100 * 2**30, 9 * 2**30, "warn"),
    (100 * 2**30, 4 * 2**30, "fail"),
    (1 * 2**30, 200 * 2**20, "fail"),     # 20% free, but under 256 MiB
    (0, 0, "fail"),
])
def test_disk_thresholds(total: int, free: int, verdict: str) -> None:
    assert health.disk_verdict(total, free) == verdict


@pytest.mark.parametrize("statuses, expected", [
    ([], "pass"), (["pass", "pass"], "pass"), (["pass", "warn"], "warn"),
    (["warn", "fail", "pass"], "fail"),
])
def test_worst_status_wins(statuses: list[str], expected: str) -> None:
    assert health.worst(statuses) == expected


def test_load_and_memory_thresholds() -> None:
    assert health.load_figures((9.0, 1.0, 1.0), 4)["status"] == "warn"
    assert health.load_figures((1.0, 1.0, 1.0), 4)["status"] == "pass"
    assert health.memory_figures({"MemTotal": 100, "MemAvailable": 5})["status"] == "warn"
    assert health.memory_figures({"MemTotal": 100, "MemAvailable": 50})["status"] == "pass"


# -- feature flags ------------------------------------------------------------------------------

async def test_platform_flags_reach_its_restaurants_and_overrides_win(client: Any,
                                                                      orm: Any) -> None:
    owner = await token(client, "owner")
    manager, sushi, porto = [await token(client, name)
                             for name in ("manager", "sushi.manager", "porto.manager")]
    waiter = await token(client, "waiter")
    # the owner works in the platform itself: platform scope
    body = await call(client, "PUT", f"{FLAGS}/mobile.ordering", owner,
                      json={"enabled": True, "value": {"max_items": 30}, "scope": "platform"})
    assert body["data"] == {"key": "mobile.ordering", "enabled": True,
                            "value": {"max_items": 30}, "source": "platform",
                            "company_id": body["data"]["company_id"]}
    for headers in (manager, sushi, waiter):
        flag = flags_by_key(await call(client, "GET", FLAGS, headers))["mobile.ordering"]
        assert flag["source"] == "platform" and flag["enabled"] is True
        assert flag["value"] == {"max_items": 30}
    assert "mobile.ordering" not in flags_by_key(await call(client, "GET", FLAGS, porto))

    # Bistro overrides; Sushi Koi keeps the platform's
    body = await call(client, "PUT", f"{FLAGS}/mobile.ordering", manager,
                      json={"enabled": False, "scope": "restaurant"})
    assert body["data"]["source"] == "restaurant" and body["data"]["enabled"] is False
    assert body["data"]["value"] is None
    assert body["data"]["overrides"] == {"enabled": True, "value": {"max_items": 30}}
    assert flags_by_key(await call(client, "GET", FLAGS, manager))["mobile.ordering"][
        "enabled"] is False
    assert flags_by_key(await call(client, "GET", FLAGS, sushi))["mobile.ordering"][
        "source"] == "platform"

    # Porto's own flag of the same key stays in Porto
    await call(client, "PUT", f"{FLAGS}/mobile.ordering", porto, json={"enabled": True})
    await call(client, "PUT", f"{FLAGS}/porto.only", porto, json={"enabled": True, "value": 1})
    bistro_flags = flags_by_key(await call(client, "GET", FLAGS, manager))
    assert "porto.only" not in bistro_flags
    assert bistro_flags["mobile.ordering"]["enabled"] is False
    porto_flags = flags_by_key(await call(client, "GET", FLAGS, porto))
    assert porto_flags["mobile.ordering"] == {
        "key": "mobile.ordering", "enabled": True, "value": None, "source": "restaurant",
        "company_id": porto_flags["porto.only"]["company_id"]}
    # nor can Porto remove Bistro's override or the platform's flag
    assert_error(await call(client, "DELETE", f"{FLAGS}/kitchen.beep", porto, status=404),
                 "NOT_FOUND")
    assert_error(await call(client, "DELETE", f"{FLAGS}/mobile.ordering?scope=platform", porto,
                            status=403), "FORBIDDEN")
    assert flags_by_key(await call(client, "GET", FLAGS, manager))["mobile.ordering"][
        "source"] == "restaurant"

    # the owner, switched to Sushi Koi, sees its view and sets its override
    await switch(client, owner, orm, "gateway_demo.restaurant_sushi")
    await call(client, "PUT", f"{FLAGS}/kitchen.beep", owner, json={"enabled": True})
    assert "kitchen.beep" not in flags_by_key(await call(client, "GET", FLAGS, manager))
    assert flags_by_key(await call(client, "GET", FLAGS, sushi))["kitchen.beep"][
        "source"] == "restaurant"

    # removing Bistro's override lets the platform's show through again
    body = await call(client, "DELETE", f"{FLAGS}/mobile.ordering?scope=restaurant", manager)
    assert body["data"]["source"] == "platform" and body["data"]["enabled"] is True
    assert_error(await call(client, "DELETE", f"{FLAGS}/mobile.ordering", manager,
                            status=404), "NOT_FOUND")
    body = await call(client, "DELETE", f"{FLAGS}/mobile.ordering?scope=platform", owner)
    assert body["data"] is None
    assert "mobile.ordering" not in flags_by_key(await call(client, "GET", FLAGS, sushi))


async def test_flag_writes_by_role(client: Any) -> None:
    manager, waiter, kitchen = [await token(client, name)
                                for name in ("manager", "waiter", "kitchen")]
    for headers in (waiter, kitchen):
        assert_error(await call(client, "PUT", f"{FLAGS}/a", headers, json={"enabled": True},
                                status=403), "FORBIDDEN")
        assert_error(await call(client, "DELETE", f"{FLAGS}/a", headers, status=403),
                     "FORBIDDEN")
        # refused before the body is read
        assert_error(await call(client, "PUT", f"{FLAGS}/a", headers, data=b"[",
                                status=403), "FORBIDDEN")
    # a restaurant manager may not set the platform's flags
    assert_error(await call(client, "PUT", f"{FLAGS}/a", manager,
                            json={"enabled": True, "scope": "platform"}, status=403),
                 "FORBIDDEN")
    harbour = await token(client, "harbour.owner")
    await call(client, "PUT", f"{FLAGS}/harbour.flag", harbour,
               json={"enabled": True, "scope": "platform"})
    assert "harbour.flag" not in flags_by_key(await call(client, "GET", FLAGS, manager))
    for path in (FLAGS, f"{FLAGS}/a"):
        method = "GET" if path == FLAGS else "PUT"
        assert_error(await call(client, method, path, status=401), "AUTHENTICATION_FAILED")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("key, body, field", [
    ("Bad-Key", {"enabled": True}, "key"),
    ("1abc", {"enabled": True}, "key"),
    ("a" * 65, {"enabled": True}, "key"),
    ("a..b", {"enabled": True}, "key"),
    ("ok", {}, "enabled"),
    ("ok", {"enabled": "yes"}, "enabled"),
    ("ok", {"enabled": 1}, "enabled"),
    ("ok", {"enabled": True, "scope": "global"}, "scope"),
    ("ok", {"enabled": True, "scope": None}, "scope"),
    ("ok", {"enabled": True, "colour": "red"}, "colour"),
    ("ok", {"enabled": True, "value": "x" * 5000}, "value"),
])
async def test_flag_field_errors(client: Any, key: str, body: dict[str, Any], field: str) -> None:
    manager = await token(client, "manager")
    error = assert_error(await call(client, "PUT", f"{FLAGS}/{key}", manager, json=body,
                                    status=422), "VALIDATION_ERROR")
    assert field in error["field_errors"], error


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_flag_query_and_scope_errors(client: Any) -> None:
    manager = await token(client, "manager")
    owner = await token(client, "owner")
    for method, path, field in (("DELETE", f"{FLAGS}/ok?scope=everywhere", "scope"),
                                ("DELETE", f"{FLAGS}/ok?scope=restaurant&scope=platform",
                                 "scope"),
                                ("DELETE", f"{FLAGS}/ok?x=1", "x"),
                                ("GET", f"{FLAGS}?page=1", "page")):
        error = assert_error(await call(client, method, path, manager, status=422),
                             "VALIDATION_ERROR")
        assert field in error["field_errors"]
    # the owner's current company is the platform: there is no restaurant scope there
    error = assert_error(await call(client, "PUT", f"{FLAGS}/ok", owner,
                                    json={"enabled": True}, status=422), "VALIDATION_ERROR")
    assert "platform" in error["field_errors"]["scope"]
    for body in (b"[]", b"null", b"{"):
        assert_error(await call(client, "PUT", f"{FLAGS}/ok",
                                {**manager, "Content-Type": "application/json"}, data=body,
                                status=400), "BAD_REQUEST")


async def test_flag_record_rules_on_the_orm(client: Any, orm: Any) -> None:
    """What the Odoo front (call_kw) could do: the same rules as REST."""
    owner, manager = await token(client, "owner"), await token(client, "manager")
    await call(client, "PUT", f"{FLAGS}/shared", owner, json={"enabled": True,
                                                                "scope": "platform"})
    await call(client, "PUT", f"{FLAGS}/bistro.own", manager, json={"enabled": True})
    model = "gateway.feature.flag"

    async def ids(env: Any) -> dict[str, int]:
        return {r["key"]: r["id"] for r in await env[model].search_read([], ["key"])}

    everything = await orm.run(ids)
    assert await orm.run(ids, login="porto.manager") == {}
    assert set(await orm.run(ids, login="sushi.manager")) == {"shared"}
    assert set(await orm.run(ids, login="manager")) == {"shared", "bistro.own"}
    with pytest.raises(AccessError):   # Porto: another restaurant's row
        await orm.run(lambda env: env[model].write([everything["bistro.own"]],
                                                   {"enabled": False}), login="porto.manager")
    with pytest.raises(AccessError):   # Bistro's manager: the platform's row they can read
        await orm.run(lambda env: env[model].write([everything["shared"]],
                                                   {"enabled": False}), login="manager")
    with pytest.raises(AccessError):
        await orm.run(lambda env: env[model].unlink([everything["shared"]]), login="manager")
    platform = await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(
        "gateway_demo.platform"))
    with pytest.raises(AccessError):
        await orm.run(lambda env: env[model].create({"key": "sneaky", "company_id": platform}),
                      login="manager")
    with pytest.raises(ValidationError):
        await orm.run(lambda env: env[model].create({"key": "Not A Key"}), login="manager")
    assert await orm.run(lambda env: env[model].write([everything["bistro.own"]],
                                                      {"enabled": False}), login="manager")


# -- preferences ------------------------------------------------------------------------------

async def test_preferences_are_the_callers_own(client: Any, orm: Any) -> None:
    waiter, sushi = await token(client, "waiter"), await token(client, "sushi.waiter")
    before = (await call(client, "GET", PREFS, sushi))["data"]
    body = await call(client, "GET", PREFS, waiter)
    assert body["data"] == {"language": "en_US", "timezone": body["data"]["timezone"],
                            "notifications": {"order_ready": True, "low_stock": True,
                                              "new_reservation": True,
                                              "daily_report": False}}
    body = await call(client, "PATCH", PREFS, waiter, json={
        "timezone": "America/New_York", "language": "en_US",
        "notifications": {"daily_report": True, "low_stock": False}})
    assert body["data"] == {"language": "en_US", "timezone": "America/New_York",
                            "notifications": {"order_ready": True, "low_stock": False,
                                              "new_reservation": True, "daily_report": True}}
    # a second PATCH changes only what it names
    body = await call(client, "PATCH", PREFS, waiter, json={"notifications": {
        "order_ready": False}})
    assert body["data"]["timezone"] == "America/New_York"
    assert body["data"]["notifications"] == {"order_ready": False, "low_stock": False,
                                             "new_reservation": True, "daily_report": True}
    assert (await call(client, "GET", PREFS, waiter))["data"] == body["data"]
    assert (await call(client, "GET", PREFS, sushi))["data"] == before

    async def tz_of(env: Any, login_: str) -> Any:
        users = await env["res.users"].search_read([("login", "=", login_)],
                                                   ["tz", "notification_settings"])
        return users[0]["tz"], users[0]["notification_settings"]

    assert (await orm.run(lambda env: tz_of(env, "waiter")))[0] == "America/New_York"
    assert (await orm.run(lambda env: tz_of(env, "sushi.waiter")))[0] == before["timezone"]
    # the model method acts on the caller only, whatever the front
    prefs = await orm.run(lambda env: env["res.users"].set_preferences({"tz": "Asia/Tokyo"}),
                          login="manager")
    assert prefs["tz"] == "Asia/Tokyo"
    assert (await orm.run(lambda env: tz_of(env, "waiter")))[0] == "America/New_York"
    # the stored JSON cannot be written around the checks
    with pytest.raises(ValidationError):
        await orm.run(lambda env: env["res.users"].write(
            [env.uid], {"notification_settings": '{"x": 1}'}), login="admin")
    for path, method in ((PREFS, "GET"), (PREFS, "PATCH")):
        assert_error(await call(client, method, path, json={}, status=401),
                     "AUTHENTICATION_FAILED")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("body, field", [
    ({"language": "fr_FR"}, "language"),
    ({"language": 5}, "language"),
    ({"language": ["en_US"]}, "language"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"timezone": None}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"notifications": []}, "notifications"),
    ({"notifications": {"pager": True}}, "notifications.pager"),
    ({"notifications": {"order_ready": "yes"}}, "notifications.order_ready"),
    ({"notifications": {"order_ready": None}}, "notifications.order_ready"),
    ({"theme": "dark"}, "theme"),
    ({"lang": "en_US"}, "lang"),
    ({}, "body"),
])
async def test_preference_field_errors(client: Any, body: dict[str, Any], field: str) -> None:
    waiter = await token(client, "waiter")
    before = (await call(client, "GET", PREFS, waiter))["data"]
    error = assert_error(await call(client, "PATCH", PREFS, waiter, json=body, status=422),
                         "VALIDATION_ERROR")
    assert field in error["field_errors"], error
    assert (await call(client, "GET", PREFS, waiter))["data"] == before
