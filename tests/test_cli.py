"""The ``gateway`` command, run as a real subprocess against a temporary data_dir.

Each test gets its own SQLite file (``GATEWAY_DATA_DIR``) and runs the installed
console script, so what is checked is what an administrator types. One test runs
the same commands against an empty PostgreSQL database (``GATEWAY_DATABASE_URL``).
Checks that need a server use ``tests.conftest.LiveServer`` on the same file.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
import xmlrpc.client
from pathlib import Path
from typing import Any, Iterator

import pytest

from gateway import demo
from models import schema

from tests.conftest import (BACKENDS, PG_URL, REQUIRE_SERVICES, LiveServer, _pg_admin, _pg_url,
                            make_config)

GATEWAY = shutil.which("gateway", path=os.path.dirname(sys.executable)) or shutil.which("gateway")
KEY_RE = re.compile(r"^[0-9a-f]{40}$")


# -- helpers shared with test_migrations and test_server --------------------------------------


def gateway_env(data_dir: Path | str, database_url: str = "", **settings: Any) -> dict[str, str]:
    """The environment for a ``gateway`` subprocess: no inherited GATEWAY_* setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(GATEWAY_DATA_DIR=str(data_dir), GATEWAY_BCRYPT_ROUNDS="4",
               GATEWAY_LOG_LEVEL="warning", PYTHONUNBUFFERED="1")
    if database_url:
        env["GATEWAY_DATABASE_URL"] = database_url
    env.update({f"GATEWAY_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def gateway(env: dict[str, str], *args: str, input: str | None = None,
            cwd: Path | str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``gateway ARGS`` to completion; cwd defaults to the data_dir (no config.toml there)."""
    assert GATEWAY, "the gateway console script is not installed"
    return subprocess.run(
        [GATEWAY, *args], env=env, cwd=cwd or env["GATEWAY_DATA_DIR"], text=True,
        capture_output=True, timeout=120,
        input=input, stdin=None if input is not None else subprocess.DEVNULL)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.args, result.returncode, result.stdout, result.stderr)
    return result.stdout


def fails(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """Assert a clean failure: the exit status, one 'gateway: error:' line, no traceback."""
    assert result.returncode == code, (result.args, result.returncode, result.stdout,
                                       result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "gateway" in result.stderr and "error:" in result.stderr, result.stderr
    return result.stderr


@contextlib.contextmanager
def empty_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test; its URL.

    Skipped when PostgreSQL is not among GATEWAY_TEST_BACKENDS, or (outside CI) when no
    server is reachable."""
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL is not in GATEWAY_TEST_BACKENDS")
    try:
        admin = _pg_admin()
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = f"PostgreSQL not reachable at {PG_URL}: {reason}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    name = f"gateway_e_{uuid.uuid4().hex[:12]}"
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield _pg_url(name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def cli_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data_dir prepared once with 'gateway db init' and 'gateway demo'."""
    data_dir = tmp_path_factory.mktemp("cli-template")
    env = gateway_env(data_dir)
    ok(gateway(env, "db", "init"))
    ok(gateway(env, "demo", "--days", "2"))
    return data_dir


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, str]:
    """Environment for an empty data_dir (no database yet)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return gateway_env(data_dir)


@pytest.fixture
def ready(cli_template: Path, tmp_path: Path) -> dict[str, str]:
    """Environment for a data_dir of its own, migrated with base records and demo data."""
    data_dir = tmp_path / "data"
    shutil.copytree(cli_template, data_dir)
    return gateway_env(data_dir)


@contextlib.contextmanager
def live(env: dict[str, str]) -> Iterator[LiveServer]:
    server = LiveServer(make_config(env["GATEWAY_DATA_DIR"],
                                    env.get("GATEWAY_DATABASE_URL", ""))).start()
    try:
        yield server
    finally:
        server.stop()


def xmlrpc_login(server: LiveServer, login: str, password: str) -> Any:
    with xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/common") as common:
        return common.authenticate(server.db_name, login, password, {})


def execute_kw(server: LiveServer, uid: int, password: str, model: str, method: str,
               args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
    with xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/object") as models:
        return models.execute_kw(server.db_name, uid, password, model, method, args,
                                 kwargs or {})


def uid_of(env: dict[str, str], login: str) -> int:
    for line in ok(gateway(env, "user", "list")).splitlines():
        fields = line.split()
        if fields[1] == login:
            return int(fields[0])
    raise AssertionError(f"{login} not in 'gateway user list'")


# -- db ----------------------------------------------------------------------------------------


def test_db_init_creates_and_migrates_and_is_idempotent(fresh: dict[str, str]) -> None:
    out = ok(gateway(fresh, "db", "init"))
    assert "applied migrations: 0001_initial_schema" in out
    assert "base records installed (login: admin)" in out
    assert (Path(fresh["GATEWAY_DATA_DIR"]) / "gateway.sqlite3").is_file()
    again = ok(gateway(fresh, "db", "init"))
    assert "none (up to date)" in again and "base records already present" in again
    listing = ok(gateway(fresh, "user", "list"))
    assert re.search(r"^\s*2\s+admin\s+Administrator", listing, re.M), listing


def test_db_init_sets_the_admin_password(fresh: dict[str, str]) -> None:
    ok(gateway(fresh, "db", "init", "--admin-password", "s3cret-admin"))
    with live(fresh) as server:
        assert xmlrpc_login(server, "admin", "s3cret-admin") == 2
        assert xmlrpc_login(server, "admin", "admin") is False


def test_db_status_before_and_after_migrate(fresh: dict[str, str]) -> None:
    names = sorted(p.stem for p in Path(schema.MIGRATIONS_DIR).glob("[0-9]*.py"))
    assert ok(gateway(fresh, "db", "status")).splitlines() == [f"{n}: pending" for n in names]
    out = ok(gateway(fresh, "db", "migrate"))
    assert f"applied migrations: {', '.join(names)}" in out
    status = ok(gateway(fresh, "db", "status")).splitlines()
    assert len(status) == len(names)
    for name, line in zip(names, status):
        assert re.fullmatch(rf"{name}: applied \d{{4}}-\d\d-\d\d .*", line), line
    assert "none (up to date)" in ok(gateway(fresh, "db", "migrate"))


def test_db_migrate_on_an_empty_database_also_installs_the_base(fresh: dict[str, str]) -> None:
    ok(gateway(fresh, "db", "migrate"))
    assert "admin" in ok(gateway(fresh, "user", "list"))


@pytest.mark.parametrize("args", [
    ("demo",), ("demo", "--if-empty"), ("user", "list"), ("user", "add", "x", "--password", "x"),
    ("user", "passwd", "admin", "--password", "x"), ("apikey", "new", "admin"), ("serve",),
])
def test_commands_before_db_init_need_migrating(fresh: dict[str, str], args: tuple[str]) -> None:
    message = fails(gateway(fresh, *args))
    assert "needs migrating" in message and "0001_initial_schema" in message
    assert "gateway db migrate" in message


def test_unknown_command_is_usage_error(fresh: dict[str, str]) -> None:
    result = gateway(fresh, "frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [(), ("db",), ("db", "drop"), ("user",), ("apikey",),
                                  ("user", "add"), ("serve", "--port", "1"),
                                  ("demo", "--days", "0"), ("demo", "--days", "many"),
                                  ("demo", "--days", "366")])
def test_incomplete_or_unknown_usage_exits_2(fresh: dict[str, str], args: tuple[str]) -> None:
    result = gateway(fresh, *args)
    assert result.returncode == 2, result
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_commands(fresh: dict[str, str]) -> None:
    out = ok(gateway(fresh, "--help"))
    for command in ("serve", "db", "demo", "user", "apikey"):
        assert command in out


@pytest.mark.parametrize("settings, named", [
    ({"http_port": "70000"}, "http_port"),
    ({"workers": "x"}, "workers"),
    ({"profile": "prod"}, "profile"),
])
def test_bad_setting_is_a_clear_error(fresh: dict[str, str], settings: dict[str, str],
                                      named: str) -> None:
    env = dict(fresh, **{f"GATEWAY_{k.upper()}": v for k, v in settings.items()})
    message = fails(gateway(env, "db", "status"))
    assert named in message


def test_missing_config_file_is_a_clear_error(fresh: dict[str, str]) -> None:
    assert "not found" in fails(gateway(fresh, "-c", "absent.toml", "db", "status"))


def test_config_file_is_read_from_the_working_directory(fresh: dict[str, str],
                                                       tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[database]\ndb_name = "bistro"\n', encoding="utf-8")
    ok(gateway(fresh, "db", "init", cwd=tmp_path))
    assert (Path(fresh["GATEWAY_DATA_DIR"]) / "bistro.sqlite3").is_file()


# -- demo --------------------------------------------------------------------------------------


def test_demo_loads_once_with_a_progress_bar(fresh: dict[str, str]) -> None:
    ok(gateway(fresh, "db", "init"))
    first = gateway(fresh, "demo", "--days", "2")
    assert ok(first).strip() == "demo data loaded"
    assert "100%" in first.stderr and "[###" in first.stderr
    message = fails(gateway(fresh, "demo"))
    assert "demo data is already loaded" in message
    assert ok(gateway(fresh, "demo", "--if-empty")).strip() == "demo data already loaded"
    listing = ok(gateway(fresh, "user", "list"))
    for login in ("owner", "manager", "waiter", "kitchen", "sushi.manager", "sushi.waiter",
                  "harbour.owner", "porto.manager", "porto.waiter", "porto.kitchen"):
        assert re.search(rf"^\s*\d+\s+{re.escape(login)}\s", listing, re.M), listing


def test_demo_if_empty_loads_on_an_empty_database(fresh: dict[str, str]) -> None:
    ok(gateway(fresh, "db", "init"))
    assert ok(gateway(fresh, "demo", "--if-empty", "--days", "1")).strip() == "demo data loaded"


# -- user --------------------------------------------------------------------------------------


def test_user_list(ready: dict[str, str]) -> None:
    lines = ok(gateway(ready, "user", "list")).splitlines()
    assert [line.split()[1] for line in lines] == [
        "admin", *(user.login for user in demo.DEMO_USERS)]
    assert "Bistro Centrale" in lines[2] and "Sushi Koi" in lines[5]
    assert "Pizzeria Porto" in lines[-1]


@pytest.mark.parametrize("role", ["admin", "cashier-waiter", "kitchen", "platform-owner",
                                  "restaurant-manager"])
def test_user_add_with_each_role(ready: dict[str, str], role: str) -> None:
    out = ok(gateway(ready, "user", "add", "newbie", "--name", "New Bie", "--password", "pw-1",
                     "--role", role))
    assert re.fullmatch(rf"user newbie created \(id \d+, role {role}\)\n", out), out
    assert re.search(r"newbie\s+New Bie\s", ok(gateway(ready, "user", "list")))
    with live(ready) as server:
        uid = xmlrpc_login(server, "newbie", "pw-1")
        assert uid == uid_of(ready, "newbie")
        [system] = execute_kw(server, 2, "admin", "ir.model.data", "search_read",
                              [[("module", "=", "base"), ("name", "=", "group_system")]],
                              {"fields": ["res_id"]})
        [user] = execute_kw(server, uid, "pw-1", "res.users", "read", [[uid]],
                            {"fields": ["groups_id"]})
        assert (system["res_id"] in user["groups_id"]) is (role == "admin")


def test_user_add_defaults_to_cashier_in_the_main_company(ready: dict[str, str]) -> None:
    out = ok(gateway(ready, "user", "add", "temp", "--password", "pw"))
    assert "role cashier-waiter" in out


def test_user_add_in_several_companies(ready: dict[str, str]) -> None:
    ok(gateway(ready, "user", "add", "roamer", "--password", "pw", "--company", "1",
               "--company", "3"))
    with live(ready) as server:
        uid = xmlrpc_login(server, "roamer", "pw")
        [user] = execute_kw(server, uid, "pw", "res.users", "read", [[uid]],
                            {"fields": ["company_id", "company_ids"]})
        assert user["company_id"][0] == 1 and sorted(user["company_ids"]) == [1, 3]


def test_user_add_unknown_company_fails(ready: dict[str, str]) -> None:
    message = fails(gateway(ready, "user", "add", "ghost", "--password", "pw",
                            "--company", "999"))
    assert "unknown company" in message and "999" in message
    assert "ghost" not in ok(gateway(ready, "user", "list"))


def test_user_add_duplicate_login_fails(ready: dict[str, str]) -> None:
    message = fails(gateway(ready, "user", "add", "waiter", "--password", "pw"))
    assert "already exists" in message and "waiter" in message


def test_user_add_unknown_role_is_usage_error(ready: dict[str, str]) -> None:
    result = gateway(ready, "user", "add", "x", "--password", "pw", "--role", "chef")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_user_add_reads_the_password_from_stdin(ready: dict[str, str]) -> None:
    ok(gateway(ready, "user", "add", "piped", input="from-stdin\n"))
    with live(ready) as server:
        assert xmlrpc_login(server, "piped", "from-stdin") == uid_of(ready, "piped")


def test_user_add_without_password_fails(ready: dict[str, str]) -> None:
    assert "no password given" in fails(gateway(ready, "user", "add", "nopw"))


def test_user_passwd_then_the_new_password_works(ready: dict[str, str]) -> None:
    assert ok(gateway(ready, "user", "passwd", "waiter", "--password", "n3w-pass")).strip() == \
        "password of waiter changed"
    ok(gateway(ready, "user", "passwd", "admin", input="admin-from-stdin\n"))
    with live(ready) as server:
        assert xmlrpc_login(server, "waiter", "n3w-pass") == uid_of(ready, "waiter")
        assert xmlrpc_login(server, "waiter", "waiter") is False
        assert xmlrpc_login(server, "admin", "admin-from-stdin") == 2
        assert xmlrpc_login(server, "admin", "admin") is False


def test_user_passwd_unknown_login_fails(ready: dict[str, str]) -> None:
    assert "no user with login 'nobody'" in fails(
        gateway(ready, "user", "passwd", "nobody", "--password", "x"))


# -- apikey ------------------------------------------------------------------------------------


def test_apikey_new_works_over_xmlrpc_and_json2(ready: dict[str, str]) -> None:
    result = gateway(ready, "apikey", "new", "manager", "--name", "inventory script")
    key = ok(result).strip()
    assert KEY_RE.match(key), result.stdout
    assert "shown once" in result.stderr and "manager" in result.stderr
    uid = uid_of(ready, "manager")
    with live(ready) as server:
        count = execute_kw(server, uid, key, "res.partner", "search_count", [[]])
        assert isinstance(count, int) and count > 0
        assert xmlrpc_login(server, "manager", key) == uid

        request = urllib.request.Request(
            f"{server.url}/json/2/res.partner/search_count", method="POST",
            data=json.dumps({"domain": []}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"bearer {key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            assert json.loads(response.read()) == count

        bad = urllib.request.Request(
            f"{server.url}/json/2/res.partner/search_count", method="POST", data=b"{}",
            headers={"Content-Type": "application/json", "Authorization": "bearer " + "0" * 40})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(bad, timeout=30)
        assert info.value.code == 401
        info.value.close()


def test_apikey_keys_are_distinct(ready: dict[str, str]) -> None:
    first = ok(gateway(ready, "apikey", "new", "admin")).strip()
    second = ok(gateway(ready, "apikey", "new", "admin")).strip()
    assert KEY_RE.match(first) and KEY_RE.match(second) and first != second


def test_apikey_unknown_login_fails(ready: dict[str, str]) -> None:
    assert "no user with login 'nobody'" in fails(gateway(ready, "apikey", "new", "nobody"))


# -- serve in production -----------------------------------------------------------------------

PROD_OK = {"profile": "production", "admin_passwd": "a-real-master-password",
           "secret_key": "k" * 48, "list_db": "false"}


@pytest.mark.parametrize("unfixed, named", [
    ({"admin_passwd": "admin"}, "admin_passwd is the default 'admin'"),
    ({"secret_key": "change-me-this-is-the-development-secret-key"}, "secret_key is the default"),
    ({"secret_key": "too-short"}, "secret_key is the default or shorter than 32"),
    ({"list_db": "true"}, "list_db is on"),
])
def test_serve_in_production_names_each_problem(ready: dict[str, str], unfixed: dict[str, str],
                                                named: str) -> None:
    ok(gateway(ready, "user", "passwd", "admin", "--password", "not-the-default"))
    env = dict(ready, **{f"GATEWAY_{k.upper()}": v for k, v in {**PROD_OK, **unfixed}.items()})
    message = fails(gateway(env, "serve"))
    assert "refusing to start in production" in message and named in message
    assert message.count(";") == 0, message   # only that problem


def test_serve_in_production_with_all_defaults_names_every_problem(ready: dict[str, str]) -> None:
    env = dict(ready, GATEWAY_PROFILE="production")
    message = fails(gateway(env, "serve"))
    for named in ("admin_passwd is the default", "secret_key is the default", "list_db is on",
                  "the 'admin' user still has the password 'admin'"):
        assert named in message, message


def test_serve_in_production_refuses_the_admin_users_demo_password(ready: dict[str, str]) -> None:
    env = dict(ready, **{f"GATEWAY_{k.upper()}": v for k, v in PROD_OK.items()})
    message = fails(gateway(env, "serve"))
    assert "the 'admin' user still has the password 'admin'" in message
    assert "gateway user passwd admin" in message
    for fixed in ("admin_passwd is", "secret_key", "list_db"):
        assert fixed not in message


# -- PostgreSQL --------------------------------------------------------------------------------


def test_commands_on_postgresql(tmp_path: Path) -> None:
    with empty_pg_database() as url:
        env = gateway_env(tmp_path, database_url=url)
        assert "needs migrating" in fails(gateway(env, "user", "list"))
        assert ok(gateway(env, "db", "status")).splitlines()[0] == "0001_initial_schema: pending"
        assert "base records installed" in ok(gateway(env, "db", "init"))
        assert "base records already present" in ok(gateway(env, "db", "init"))
        assert "0001_initial_schema: applied" in ok(gateway(env, "db", "status"))
        ok(gateway(env, "demo", "--days", "1"))
        assert "already loaded" in fails(gateway(env, "demo"))
        ok(gateway(env, "demo", "--if-empty"))
        ok(gateway(env, "user", "add", "pguser", "--password", "pg-pw", "--role", "kitchen"))
        assert "already exists" in fails(gateway(env, "user", "add", "pguser", "--password", "x"))
        ok(gateway(env, "user", "passwd", "waiter", "--password", "pg-waiter"))
        key = ok(gateway(env, "apikey", "new", "pguser")).strip()
        assert KEY_RE.match(key)
        assert not list(tmp_path.glob("*.sqlite3")), "PostgreSQL run wrote a SQLite file"
        with live(env) as server:
            uid = xmlrpc_login(server, "pguser", "pg-pw")
            assert uid == uid_of(env, "pguser")
            assert xmlrpc_login(server, "waiter", "pg-waiter") == uid_of(env, "waiter")
            assert execute_kw(server, uid, key, "res.users", "search_count",
                              [[("login", "=", "pguser")]]) == 1
