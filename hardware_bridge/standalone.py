"""The bridge alone: ``python -m hardware_bridge``, next to the shop's printers.

What Odoo's IoT box is to an Odoo POS: a small service on the shop's LAN
that the POS is pointed at (``http://<bridge>:8070``). It serves the IoT-box
routes (hardware_bridge/iot_routes.py) to the ``allowed_clients`` networks
without a login, keeps its print queue in a local SQLite file (migrated and
given the base records at start, no demo data, no PostgreSQL, no Redis) and
runs the same queue worker and status poller as the gateway (``Bridge``), so
a job is a row before it is a byte and survives a restart or a SIGKILL.

Its printers are the ``[[printers]]`` of its TOML file, synced by name into
its ``hw.printer`` table at each start (new ones created, changed ones
updated, ones no longer listed archived); the address policy of the same file
(``printer_networks``, ``printer_ports``, ``printer_devices``) is checked on
them as in the gateway. Nobody logs in to the bridge: its admin user gets a
random password nobody knows.

The configuration (hardware_bridge/bridge.example.toml)::

    [server]   host, port (8070; 0 picks a free one), allowed_clients
    [storage]  data_dir (holds bridge.sqlite3)
    [hardware] printer_networks, printer_ports, printer_devices, status_interval,
               send_timeout, retry_base, retry_max, poll_interval, longpolling_timeout
    [[printers]] name, connection, host, port, device, paper_width, codepage, role,
               drawer_pin
"""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import signal
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from gateway import bootstrap
from gateway.config import device_patterns, network_list, port_list
from models import make_registry
from models.bus_hub import BusHub
from models.db import Backend, make_backend
from models.env import Env
from models.exceptions import ValidationError
from models.hardware import AddressPolicy, config_entry
from models.registry import Registry
from rpc.bus import BUS_HUB, BUS_SETTINGS, WAITING_PATHS, BusSettings
from rpc.service import RPC_SERVICE, RpcService, RpcSettings

from .bridge import BRIDGE, Bridge, settings_from
from .iot_routes import CORS_HEADERS, add_iot_routes
from .template import compile_template

_logger = logging.getLogger(__name__)

DEFAULT_PORT = 8070
DB_NAME = "bridge"
DB_FILE = "bridge.sqlite3"
#: Private networks and the machine itself: an IoT box serves its LAN.
LAN = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
MAX_BODY = 16 * 1024 * 1024
class ConfigError(ValueError):
    """A bridge configuration that cannot work, naming the key."""


@dataclass(frozen=True)
class BridgeConfig:
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    allowed_clients: tuple[str, ...] = LAN
    data_dir: str = "bridge-data"
    printer_networks: tuple[str, ...] = AddressPolicy.networks
    printer_ports: tuple[int, ...] = AddressPolicy.ports
    printer_devices: tuple[str, ...] = AddressPolicy.devices
    printer_status_interval: float = 30.0
    print_send_timeout: float = 30.0
    retry_base: float = 2.0
    retry_max: float = 60.0
    poll_interval: float = 5.0
    longpolling_timeout: float = 50.0
    #: The bridge always sends its own jobs (``Bridge`` reads ``print_queue``).
    print_queue: bool = True
    printers: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def database_path(self) -> str:
        return os.path.join(self.data_dir, DB_FILE)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ValueError("expected a port number")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("expected a number of seconds")
    return float(value)


#: TOML table -> key -> (BridgeConfig field, parser).
SCHEMA: dict[str, dict[str, tuple[str, Any]]] = {
    "server": {"host": ("host", _text), "port": ("port", _port),
               "allowed_clients": ("allowed_clients", network_list)},
    "storage": {"data_dir": ("data_dir", _text)},
    "hardware": {"printer_networks": ("printer_networks", network_list),
                 "printer_ports": ("printer_ports", port_list),
                 "printer_devices": ("printer_devices", device_patterns),
                 "status_interval": ("printer_status_interval", _seconds),
                 "send_timeout": ("print_send_timeout", _seconds),
                 "retry_base": ("retry_base", _seconds),
                 "retry_max": ("retry_max", _seconds),
                 "poll_interval": ("poll_interval", _seconds),
                 "longpolling_timeout": ("longpolling_timeout", _seconds)},
}


def _printer(index: int, entry: Any) -> dict[str, Any]:
    try:
        return config_entry(f"printers[{index}]", entry)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def parse_config(data: dict[str, Any], base_dir: str = ".") -> BridgeConfig:
    """The bridge's settings from its parsed TOML; ``data_dir`` relative to the file."""
    values: dict[str, Any] = {}
    for table, content in data.items():
        if table == "printers":
            if not isinstance(content, list):
                raise ConfigError("printers: expected [[printers]] tables")
            values["printers"] = tuple(_printer(i, e) for i, e in enumerate(content))
            continue
        keys = SCHEMA.get(table)
        if keys is None or not isinstance(content, dict):
            raise ConfigError(f"unknown table [{table}]")
        for key, value in content.items():
            if key not in keys:
                raise ConfigError(f"{table}.{key}: unknown key")
            name, parse = keys[key]
            try:
                values[name] = parse(value)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{table}.{key}: {exc}") from None
    names = [p["name"] for p in values.get("printers", ())]
    if len(names) != len(set(names)):
        raise ConfigError("printers: two printers have the same name")
    config = BridgeConfig(**values)
    if not os.path.isabs(config.data_dir):
        values["data_dir"] = os.path.normpath(os.path.join(base_dir, config.data_dir))
        config = BridgeConfig(**values)
    return config


def load_config(path: str | None) -> BridgeConfig:
    if path is None:
        return BridgeConfig()
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return parse_config(data, os.path.dirname(os.path.abspath(path)))


# -- the database ----------------------------------------------------------------------------

def registry_for(config: BridgeConfig) -> Registry:
    # bcrypt rounds: the only password is the admin's random one, and nobody logs in
    return make_registry("sqlite", {"bcrypt_rounds": 4,
                                    "printer_address_policy": settings_from(config).policy,
                                    "template_check": compile_template})


async def sync_printers(backend: Backend, registry: Registry, config: BridgeConfig) -> list[int]:
    """The ``[[printers]]`` into ``hw.printer``, by name: created, updated, or archived
    when no longer listed; answers the active ids in the file's order."""
    async def unit(cr: Any) -> list[int]:
        env = Env(cr, registry, None)
        company = (await env["res.company"].search([], limit=1, order="id"))[0]
        env = env.with_context(allowed_company_ids=[company])
        try:
            return await env["hw.printer"]._configure(company, config.printers,
                                                      archive_others=True)
        except ValidationError as exc:     # an address outside the policy, a bad width
            raise ConfigError(f"printers: {exc}") from None

    await backend.start()
    try:
        return await backend.run_unit(unit)
    finally:
        await backend.close()


async def prepare(config: BridgeConfig) -> None:
    """Schema, base records and printers, before anything serves."""
    os.makedirs(config.data_dir, exist_ok=True)
    backend = make_backend(f"sqlite:///{config.database_path}")
    bootstrap.migrate_schema(backend)
    registry = registry_for(config)
    await bootstrap.install_base(backend, registry, secrets.token_urlsafe(32))
    await sync_printers(backend, registry, config)


# -- the server ------------------------------------------------------------------------------

def lan_only(networks: tuple[Any, ...]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        """Everything of the bridge is for its LAN: others get 403 before any route."""
        try:
            address = ipaddress.ip_address(request.remote or "")
        except ValueError:
            address = None
        if address is None or not any(address in network for network in networks):
            raise web.HTTPForbidden(text="This bridge does not serve your network.",
                                    headers=CORS_HEADERS)
        return await handler(request)
    return middleware


def create_bridge_app(config: BridgeConfig) -> web.Application:
    backend = make_backend(f"sqlite:///{config.database_path}")
    registry = registry_for(config)
    settings = settings_from(config)
    networks = tuple(ipaddress.ip_network(n, strict=False) for n in config.allowed_clients)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[lan_only(networks)])
    service = RpcService(backend, registry, RpcSettings(db_name=DB_NAME, list_db=False,
                                                        max_body_size=MAX_BODY))
    app[RPC_SERVICE] = service
    app[BUS_HUB] = BusHub(backend, poll_interval=5.0)
    app[BUS_SETTINGS] = BusSettings(longpolling_timeout=config.longpolling_timeout)
    bridge = Bridge(backend, registry, settings)
    bridge.queue.backoff_base = config.retry_base
    bridge.queue.backoff_max = config.retry_max
    bridge.queue.poll_interval = config.poll_interval
    app[BRIDGE] = bridge
    add_iot_routes(app, open_to=config.allowed_clients)
    assert "/hw_drivers/event" in WAITING_PATHS

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        await backend.start()
        await app[BUS_HUB].start()
        await bridge.start()
        deadlines = asyncio.create_task(service.deadlines.watch())
        yield
        deadlines.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await deadlines
        await bridge.close()
        await app[BUS_HUB].close()
        await backend.close()

    app.cleanup_ctx.append(lifetime)
    return app


async def serve(config: BridgeConfig) -> None:
    await prepare(config)
    runner = web.AppRunner(create_bridge_app(config), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    # one line on stdout: what a supervisor (or a test) waits for, with the real port
    print(f"hardware bridge ready on http://{config.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
