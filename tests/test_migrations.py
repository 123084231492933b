"""Schema history: migrations build exactly the models' schema, on both backends.

* a fresh, empty database migrated with ``gateway.bootstrap.migrate_schema`` has the
  schema the models describe (``playhouse.schema_diff`` finds nothing to do);
* the runner records what it applied and a second run applies nothing;
* ``gateway db makemigration`` finds no changes on the committed tree, and writes a
  migration (that ``db migrate`` applies) when a model changes; both run against a
  temporary copy of the code so nothing is written into the repository;
* migration files are frozen: they import peewee, never project code;
* the server never creates tables itself.
"""
from __future__ import annotations

import ast
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import peewee
import pytest
from playhouse.schema_diff import diff_models

from gateway import bootstrap
from gateway.app import create_app
from models import SUPPORT_TABLES, make_registry, schema
from models.db import make_backend
from tests.conftest import BACKENDS, make_config
from tests.test_cli import empty_pg_database, fails, gateway, gateway_env, ok

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("gateway", "models", "rpc", "compat", "hardware_bridge", "bench", "tests")
# What a frozen migration may import: peewee and the standard library, nothing that changes
# when the project's code does.
ALLOWED_IMPORTS = {"peewee", "playhouse", "datetime", "decimal", "uuid", "json", "re"}
HISTORY_TABLE = "schema_migration"
#: Every migration file, in order: what a fresh database must end up with.
MIGRATIONS = sorted(p.stem for p in Path(schema.MIGRATIONS_DIR).glob("[0-9]*.py"))


@contextlib.contextmanager
def empty_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``kind``."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        with empty_pg_database() as url:
            yield url


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path) as url:
        yield url


def model_tables(kind: str) -> list[type]:
    return make_registry(kind).tables() + SUPPORT_TABLES


def table_names(url: str) -> set[str]:
    database = make_backend(url).sync_database()
    try:   # sqlite_stat1 & co. are SQLite's own (PRAGMA optimize), not the schema's
        return {name for name in database.get_tables() if not name.startswith("sqlite_")}
    finally:
        database.close()


# -- the migrated schema is the models' schema -------------------------------------------------


def test_migrations_build_exactly_the_models_schema(empty_url: str, tmp_path: Path) -> None:
    backend = make_backend(empty_url)
    assert bootstrap.migrate_schema(backend) == MIGRATIONS
    database = backend.sync_database()
    try:
        frozen = schema.freeze(model_tables(backend.kind), database)
        diff = diff_models(database, frozen)
        assert not diff, f"the migrations do not build the models' schema:\n{diff}"
        # diff_models ignores tables no model covers: check there are none but the history.
        expected = {model._meta.table_name for model in frozen}
        assert table_names(empty_url) == expected | {HISTORY_TABLE}
        # ... and it does not compare column lists of tables it did not create: do it here.
        for model in frozen:
            columns = {c.name for c in database.get_columns(model._meta.table_name)}
            assert columns == {f.column_name for f in model._meta.sorted_fields}, \
                model._meta.table_name
    finally:
        database.close()


def test_runner_records_migrations_and_a_second_run_applies_nothing(empty_url: str) -> None:
    backend = make_backend(empty_url)
    assert bootstrap.pending_migrations(backend) == MIGRATIONS
    assert bootstrap.migrate_schema(backend) == MIGRATIONS
    assert bootstrap.pending_migrations(backend) == []
    assert bootstrap.migrate_schema(backend) == []
    database = backend.sync_database()
    try:
        status = schema.runner(database).status()
        assert [m.name for m in status] == MIGRATIONS
        assert all(m.applied for m in status)
        rows = database.execute_sql(f"SELECT name FROM {HISTORY_TABLE}").fetchall()
        assert [row[0] for row in rows] == MIGRATIONS
    finally:
        database.close()


def test_every_migration_file_is_known_to_the_runner() -> None:
    files = sorted(p.stem for p in Path(schema.MIGRATIONS_DIR).glob("[0-9]*.py"))
    assert files and files[0] == "0001_initial_schema"
    assert [int(name[:4]) for name in files] == list(range(1, len(files) + 1))
    database = peewee.SqliteDatabase(":memory:")
    assert [m.name for m in schema.runner(database).status()] == files


@pytest.mark.parametrize("path", sorted(Path(schema.MIGRATIONS_DIR).glob("[0-9]*.py")),
                         ids=lambda p: p.name)
def test_migration_files_do_not_import_project_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            roots = [(node.module or "").split(".")[0]]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            raise AssertionError(f"{path.name}: dynamic import")
        else:
            continue
        for root in roots:
            assert root not in PROJECT_PACKAGES, f"{path.name} imports project code: {root}"
            assert root in ALLOWED_IMPORTS, f"{path.name} imports {root}"
    text = path.read_text(encoding="utf-8")
    assert "def up(migrator, db)" in text and "def down(migrator, db)" in text


def test_migration_files_import_on_their_own(tmp_path: Path) -> None:
    """Loaded with only peewee importable from the project's point of view, they still run."""
    for path in sorted(Path(schema.MIGRATIONS_DIR).glob("[0-9]*.py")):
        namespace: dict[str, Any] = {"__name__": f"frozen_{path.stem}"}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        assert callable(namespace["up"]) and callable(namespace["down"])


# -- gateway db makemigration, on a temporary copy of the code ---------------------------------


def copy_code(tmp_path: Path) -> Path:
    copy = tmp_path / "code"
    for package in ("gateway", "models", "rpc", "compat"):
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def run_copy(copy: Path, env: dict[str, str], *args: str) -> Any:
    env = dict(env, PYTHONPATH=str(copy))
    return subprocess.run([sys.executable, "-m", "gateway", *args], cwd=copy, env=env,
                          text=True, capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_the_copy_imports_its_own_code(tmp_path: Path) -> None:
    copy = copy_code(tmp_path)
    env = gateway_env(tmp_path / "data")
    out = subprocess.run([sys.executable, "-c", "import models.schema as s; print(s.__file__)"],
                         cwd=copy, env=dict(env, PYTHONPATH=str(copy)), text=True,
                         capture_output=True, timeout=60, check=True).stdout
    assert out.strip() == str(copy / "models" / "schema.py")


@pytest.mark.parametrize("kind", BACKENDS)
def test_makemigration_reports_no_changes_on_the_committed_tree(kind: str,
                                                                tmp_path: Path) -> None:
    copy = copy_code(tmp_path)
    before = sorted(os.listdir(ROOT / "models" / "migrations"))
    with empty_database(kind, tmp_path) as url:
        env = gateway_env(tmp_path / "data", database_url=url if kind != "sqlite" else "")
        result = run_copy(copy, env, "db", "makemigration", "probe")
        assert ok(result).strip() == "no changes: the models match the migrations"
    written = sorted(p.name for p in (copy / "models" / "migrations").glob("*.py"))
    assert written == sorted(p for p in before if p.endswith(".py"))
    assert sorted(os.listdir(ROOT / "models" / "migrations")) == before


@pytest.mark.parametrize("kind", BACKENDS)
def test_makemigration_writes_a_frozen_migration_that_migrate_applies(kind: str,
                                                                      tmp_path: Path) -> None:
    copy = copy_code(tmp_path)
    partner = copy / "models" / "res_partner.py"
    source = partner.read_text(encoding="utf-8")
    anchor = '    barcode = F.Char("Barcode")\n'
    assert anchor in source
    partner.write_text(source.replace(anchor, anchor + '    nickname = F.Char("Nickname")\n'),
                       encoding="utf-8")
    repo_before = sorted(os.listdir(ROOT / "models" / "migrations"))
    existing = sorted(p.name for p in (copy / "models" / "migrations").glob("[0-9]*.py"))
    number = len(existing) + 1
    with empty_database(kind, tmp_path) as url:
        env = gateway_env(tmp_path / "data", database_url=url if kind != "sqlite" else "")
        written = ok(run_copy(copy, env, "db", "makemigration", "Partner nickname")).strip()
        expected = copy / "models" / "migrations" / f"{number:04d}_partner_nickname.py"
        assert written == str(expected)
        text = expected.read_text(encoding="utf-8")
        assert "nickname" in text and "add_column" in text
        test_migration_files_do_not_import_project_code(expected)

        status = ok(run_copy(copy, env, "db", "status"))
        assert re.search(rf"^{number:04d}_partner_nickname: pending$", status, re.M), status
        assert "needs migrating" in fails(run_copy(copy, env, "user", "list"))
        # makemigration diffs a scratch database: this one is still unmigrated
        applied = ok(run_copy(copy, env, "db", "migrate"))
        assert applied.startswith("applied migrations: ") and \
            applied.strip().endswith(f"{number:04d}_partner_nickname"), applied
        assert "no changes" in ok(run_copy(copy, env, "db", "makemigration", "again"))
        ok(run_copy(copy, env, "user", "list"))
    assert sorted(os.listdir(ROOT / "models" / "migrations")) == repo_before


# -- the server never creates tables --------------------------------------------------------


def test_serve_refuses_an_unmigrated_database(empty_url: str, tmp_path: Path) -> None:
    env = gateway_env(tmp_path / "data", database_url=empty_url)
    os.makedirs(tmp_path / "data", exist_ok=True)
    message = fails(gateway(env, "serve", cwd=tmp_path))
    assert "needs migrating" in message and "0001_initial_schema" in message
    assert table_names(empty_url) <= {HISTORY_TABLE}


async def test_the_app_does_not_create_tables(empty_url: str, tmp_path: Path,
                                              aiohttp_client: Any) -> None:
    """Starting the app and answering requests on an empty database creates nothing."""
    config = make_config(str(tmp_path), empty_url)
    client = await aiohttp_client(create_app(config))
    response = await client.post("/web/webclient/version_info", json={
        "jsonrpc": "2.0", "method": "call", "params": {}, "id": 1})
    assert response.status == 200
    assert (await response.json())["result"]["server_version"] == config.server_version
    assert (await client.get("/web/health")).status == 200
    await client.post("/web/session/authenticate", json={
        "jsonrpc": "2.0", "method": "call", "id": 2,
        "params": {"db": config.db_name, "login": "admin", "password": "admin"}})
    await client.close()
    assert table_names(empty_url) == set()


def test_sqlite_database_is_one_file_in_data_dir(tmp_path: Path) -> None:
    """Migrating the embedded database writes <data_dir>/<db_name>.sqlite3 (and its WAL)."""
    data_dir = tmp_path / "data"
    config = make_config(str(data_dir))
    bootstrap.migrate_schema(bootstrap.backend_for(config))
    path = Path(bootstrap.backend_for(config).path)  # type: ignore[attr-defined]
    assert path == data_dir / "gateway.sqlite3"
    assert {p.name for p in data_dir.iterdir()} <= {
        "gateway.sqlite3", "gateway.sqlite3-wal", "gateway.sqlite3-shm"}
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    names = {row[0] for row in rows}
    assert HISTORY_TABLE in names and "res_users" in names
