"""Printers declared in the gateway's config.toml (``[[hardware.printers]]``): set up at
each ``gateway serve`` start, by name within their restaurant, through the same checks as
the API's; printers added through the API are left alone."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway import bootstrap
from gateway.config import load
from models.db import make_backend
from models.exceptions import ValidationError
from tests.test_cli import cli_template, fails, gateway  # noqa: F401
from tests.test_server import prepared  # noqa: F401

BISTRO = "Bistro Centrale"


async def _run(config: Any, fn: Any) -> Any:
    backend = make_backend(config.resolved_database_url)
    registry = bootstrap.registry_for(backend, config)
    await backend.start()
    try:
        return await backend.run_unit(lambda cr: fn(bootstrap.Env(cr, registry, None)))
    finally:
        await backend.close()


async def _configure(config: Any) -> int:
    backend = make_backend(config.resolved_database_url)
    return await bootstrap.configure_printers(backend, bootstrap.registry_for(backend, config),
                                              config)


async def _printers(config: Any, company: int) -> dict[str, dict[str, Any]]:
    async def read(env: Any) -> Any:
        return await env.with_context(active_test=False)["hw.printer"].search_read(
            [("company_id", "=", company)], ["name", "host", "port", "role", "active"],
            load=None)
    return {p["name"]: p for p in await _run(config, read)}


async def test_configured_printers_are_created_then_updated_by_name(db: Any, orm: Any) -> None:
    bistro = (await orm.run(lambda env: env["res.company"].search([("name", "=", BISTRO)])))[0]
    manual = await orm.run(lambda env: env["hw.printer"].create({
        "name": "Added by hand", "host": "192.168.1.70", "port": 9100}), login="manager")
    entries = [{"restaurant": bistro, "name": "Counter", "host": "192.168.1.50"},
               {"restaurant": bistro, "name": "Hot line", "host": "192.168.1.51",
                "role": "kitchen"}]
    config = db.config.replace(printers=entries)
    assert await _configure(config) == 2
    first = await _printers(config, bistro)
    assert set(first) == {"Counter", "Hot line", "Added by hand"}
    assert first["Hot line"]["role"] == "kitchen" and first["Counter"]["port"] == 9100

    moved = db.config.replace(printers=[dict(entries[0], host="192.168.1.60")])
    await _configure(moved)
    second = await _printers(moved, bistro)
    assert second["Counter"]["id"] == first["Counter"]["id"]            # the same printer
    assert second["Counter"]["host"] == "192.168.1.60"
    assert second["Hot line"]["active"] and second["Added by hand"]["id"] == manual


@pytest.mark.parametrize("entry, message", [
    ({"name": "Outside", "host": "8.8.8.8"}, "Printer 'Outside'.*outside the allowed"),
    ({"name": "Named", "host": "printer.local"}, "Printer 'Named'.*not an IP address"),
    ({"name": "Port", "host": "192.168.1.5", "port": 22}, "Printer 'Port'.*not an allowed"),
])
async def test_a_configured_printer_the_policy_refuses_stops_the_start(
        db: Any, orm: Any, entry: dict[str, Any], message: str) -> None:
    bistro = (await orm.run(lambda env: env["res.company"].search([("name", "=", BISTRO)])))[0]
    config = db.config.replace(printers=[dict(entry, restaurant=bistro)])
    with pytest.raises(ValidationError, match=message):
        await _configure(config)
    assert entry["name"] not in await _printers(config, bistro)        # nothing half-written


def test_gateway_serve_names_the_printer_it_refuses(prepared: dict[str, str],  # noqa: F811
                                                    tmp_path: Path) -> None:
    toml = tmp_path / "config.toml"
    toml.write_text('[hardware]\n[[hardware.printers]]\nrestaurant = 3\nname = "Cloud"\n'
                    'host = "169.254.169.254"\n')
    assert load(str(toml), {}, search=False).printers[0]["name"] == "Cloud"
    env = dict(prepared, GATEWAY_CONFIG=str(toml))
    error = fails(gateway(env, "serve"))
    assert "cannot set up the configured printers" in error and "'Cloud'" in error
