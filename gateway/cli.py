"""The ``gateway`` command.

    gateway serve                      run both ports (8069 Odoo face, 8000 REST)
    gateway db init [--admin-password] migrate and install the base records
    gateway db migrate                 apply pending migrations
    gateway db status                  list migrations and whether they are applied
    gateway db makemigration NAME      (developers) write the migration for model changes
                   [--amend]           ... rewriting the newest one, still in progress
    gateway demo [--if-empty]          load the demo platforms, restaurants, staff, menus
                 [--days N]            and N days of sales (default 30)
    gateway user add|passwd|list       manage users
    gateway apikey new LOGIN           create an API key for scripts

Errors print one line on stderr and exit non-zero (2 for bad usage).
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any, Sequence

from models import security
from models.env import Env
from models.exceptions import UserError, ValidationError

from . import bootstrap, demo
from .config import ConfigError, Config, load

ROLES = {
    "admin": [security.SYSTEM, security.ERP_MANAGER, security.PLATFORM_OWNER,
              security.POS_MANAGER, security.POS_USER, security.USER],
    **{key.replace(" / ", "-").replace(" ", "-"): groups for key, groups in demo.ROLE_GROUPS.items()},
}


class CliError(Exception):
    """A failure to report on one line, with exit status 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="Odoo-compatible POS gateway")
    parser.add_argument("-c", "--config", help="configuration file (default: ./config.toml)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("serve", help="run the server on both ports")

    db = commands.add_parser("db", help="create and migrate the database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    init = db_commands.add_parser("init", help="migrate and install the base records")
    init.add_argument("--admin-password", default=None,
                      help="password of the 'admin' user when it is created (default: admin)")
    db_commands.add_parser("migrate", help="apply pending migrations")
    db_commands.add_parser("status", help="show the migrations")
    make = db_commands.add_parser("makemigration", help="write a migration for model changes")
    make.add_argument("name")
    make.add_argument("--amend", action="store_true",
                      help="rewrite the newest migration (one not applied anywhere yet)")

    demo_parser = commands.add_parser("demo", help="load the demo data")
    demo_parser.add_argument("--if-empty", action="store_true",
                             help="do nothing (and succeed) if the demo data is already there")
    demo_parser.add_argument("--days", type=_demo_days, default=demo.DEFAULT_DAYS, metavar="N",
                             help=f"days of past sales to record (1-{demo.MAX_DAYS}, default "
                                  f"{demo.DEFAULT_DAYS})")

    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", help="create a user")
    add.add_argument("login")
    add.add_argument("--name")
    add.add_argument("--password", help="password (asked for when omitted)")
    add.add_argument("--role", choices=sorted(ROLES), default="cashier-waiter")
    add.add_argument("--company", type=int, action="append",
                     help="company (restaurant) id; repeat for several (default: the main company)")
    passwd = user_commands.add_parser("passwd", help="set a user's password")
    passwd.add_argument("login")
    passwd.add_argument("--password", help="new password (asked for when omitted)")
    user_commands.add_parser("list", help="list users")

    apikey = commands.add_parser("apikey", help="manage API keys")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    new = apikey_commands.add_parser("new", help="create an API key for a user")
    new.add_argument("login")
    new.add_argument("--name", default="script", help="what the key is for")
    return parser


def _ask_password(given: str | None) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise CliError("no password given (use --password or type it on standard input)")
        return line
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        raise CliError("the passwords do not match")
    return first


def _ready_backend(config: Config) -> Any:
    backend = bootstrap.backend_for(config)
    try:
        missing = bootstrap.pending_migrations(backend)
    except Exception as exc:
        raise CliError(f"cannot reach the database: {exc}") from None
    if missing:
        raise CliError(f"the database needs migrating ({', '.join(missing)}): run 'gateway db migrate'")
    return backend


def _run_unit(config: Config, fn: Any, readonly: bool = False) -> Any:
    backend = _ready_backend(config)
    registry = bootstrap.registry_for(backend, config)

    async def main() -> Any:
        await backend.start()
        try:
            return await backend.run_unit(lambda cr: fn(Env(cr, registry, None)), readonly=readonly)
        finally:
            await backend.close()
    return asyncio.run(main())


# -- commands ------------------------------------------------------------------

def cmd_serve(config: Config, args: argparse.Namespace) -> int:
    problems = config.production_problems()
    backend = _ready_backend(config)
    registry = bootstrap.registry_for(backend, config)
    if config.is_production and asyncio.run(bootstrap.admin_has_default_password(backend, registry)):
        problems.append("the 'admin' user still has the password 'admin': "
                        "run 'gateway user passwd admin'")
    if problems:
        raise CliError("refusing to start in production: " + "; ".join(problems))
    from .server import run
    with_demo = asyncio.run(bootstrap.demo_loaded(backend, registry))
    try:
        asyncio.run(bootstrap.configure_printers(backend, registry, config))
    except ValidationError as exc:
        raise CliError(f"cannot set up the configured printers: {exc}") from None

    def ready(urls: list[str]) -> None:
        print(f"Odoo-compatible face (JSON-RPC, XML-RPC, JSON-2): {urls[0]}", flush=True)
        if len(urls) > 1:
            print(f"Mobile and web clients' port:                  {urls[1]}", flush=True)
        print(f"Database: {config.db_name} ({config.resolved_database_url.split('@')[-1]})",
              flush=True)
        if with_demo and not config.is_production:
            logins = ", ".join(f"{u.login}/{u.login} ({u.role})" for u in demo.DEMO_USERS)
            print(f"Demo logins: admin/admin (administrator), {logins}", flush=True)
    try:
        run(config, on_ready=ready)
    except OSError as exc:  # e.g. the port is taken
        raise CliError(f"cannot serve on {config.http_interface} ports {config.http_port} and "
                       f"{config.api_port}: {exc.strerror or exc}") from None
    return 0


def cmd_db(config: Config, args: argparse.Namespace) -> int:
    backend = bootstrap.backend_for(config)
    try:
        if args.db_command == "makemigration":
            path = bootstrap.make_schema_migration(args.name, amend=args.amend)
            print(path or "no changes: the models match the migrations")
            return 0
        if args.db_command == "status":
            from models import schema
            database = backend.sync_database()
            try:
                for migration in schema.runner(database).status():
                    state = f"applied {migration.applied}" if migration.applied else "pending"
                    print(f"{migration.name}: {state}")
            finally:
                database.close()
            return 0
        applied = bootstrap.migrate_schema(backend)
        print(f"applied migrations: {', '.join(applied) if applied else 'none (up to date)'}")
    except Exception as exc:
        raise CliError(f"migration failed: {exc}") from None
    registry = bootstrap.registry_for(backend, config)
    password = args.admin_password if args.db_command == "init" and args.admin_password else "admin"
    created = asyncio.run(bootstrap.install_base(backend, registry, password))
    if args.db_command == "init":
        print("base records installed (login: admin)" if created else "base records already present")
    return 0


def _demo_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, not {text!r}") from None
    if not 1 <= days <= demo.MAX_DAYS:
        raise argparse.ArgumentTypeError(f"between 1 and {demo.MAX_DAYS} days, not {days}")
    return days


def cmd_demo(config: Config, args: argparse.Namespace) -> int:
    backend = _ready_backend(config)
    registry = bootstrap.registry_for(backend, config)
    created = asyncio.run(demo.load_demo(backend, registry, demo.progress_bar(), days=args.days))
    if not created:
        if args.if_empty:
            print("demo data already loaded")
            return 0
        raise CliError("the demo data is already loaded")
    print("demo data loaded")
    return 0


def cmd_user(config: Config, args: argparse.Namespace) -> int:
    if args.user_command == "list":
        async def listing(env: Env) -> list[dict[str, Any]]:
            return await env["res.users"].search_read(
                [], ["login", "name", "active", "company_id", "groups_id"], order="id")
        for user in _run_unit(config, listing, readonly=True):
            company = user["company_id"][1] if user["company_id"] else "-"
            print(f"{user['id']:>4}  {user['login']:<20} {user['name']:<24} {company}"
                  f"{'' if user['active'] else '  (archived)'}")
        return 0
    password = _ask_password(args.password)
    if args.user_command == "passwd":
        async def set_password(env: Env) -> None:
            ids = await env["res.users"].search([("login", "=", args.login)])
            if not ids:
                raise CliError(f"no user with login {args.login!r}")
            await env["res.users"].write(ids, {"password": password})
        _run_unit(config, set_password)
        print(f"password of {args.login} changed")
        return 0

    async def add_user(env: Env) -> int:
        if await env["res.users"].search([("login", "=", args.login)]):
            raise CliError(f"a user with login {args.login!r} already exists")
        companies = args.company or [await env["ir.model.data"]._xmlid_to_res_id("base.main_company")]
        found = await env["res.company"].search([("id", "in", companies)])
        if len(found) != len(set(companies)):
            raise CliError(f"unknown company id in {companies}")
        groups = []
        for xmlid in ROLES[args.role]:
            groups.append(await env["ir.model.data"]._xmlid_to_res_id(xmlid))
        return await env.with_context(allowed_company_ids=companies)["res.users"].create({
            "login": args.login, "name": args.name or args.login, "password": password,
            "company_id": companies[0], "company_ids": [(6, 0, companies)],
            "groups_id": [(6, 0, groups)]})
    uid = _run_unit(config, add_user)
    print(f"user {args.login} created (id {uid}, role {args.role})")
    return 0


def cmd_apikey(config: Config, args: argparse.Namespace) -> int:
    async def new_key(env: Env) -> str:
        ids = await env["res.users"].search([("login", "=", args.login)])
        if not ids:
            raise CliError(f"no user with login {args.login!r}")
        return await env["res.users.apikeys"]._generate(ids[0], args.name)
    key = _run_unit(config, new_key)
    print(key)
    print(f"API key for {args.login} ({args.name}); it is shown once, store it now.",
          file=sys.stderr)
    return 0


COMMANDS = {"serve": cmd_serve, "db": cmd_db, "demo": cmd_demo, "user": cmd_user,
            "apikey": cmd_apikey}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load(args.config)
        return COMMANDS[args.command](config, args)
    except (CliError, ConfigError, UserError) as exc:
        print(f"gateway: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

