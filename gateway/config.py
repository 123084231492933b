"""Settings: declared once, read from ``config.toml``, overridden by ``GATEWAY_*``.

Precedence is environment > file > default. Names Odoo administrators
already know keep Odoo's name and meaning (``http_port``, ``db_name``,
``list_db``, ``workers``, ``proxy_mode``, ``dbfilter``, ``admin_passwd``,
``data_dir``, ``db_maxconn``, ``limit_time_real``, ``log_level``). The
``production`` profile refuses to start while a default secret is in place.
A test checks that ``config.toml`` documents every setting with its default.
"""
from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

DEFAULT_SECRET = "change-me-this-is-the-development-secret-key"
PROFILES = ("dev", "production")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
JWT_ALGORITHMS = ("HS256", "ES256")


class ConfigError(ValueError):
    """A setting has an invalid value, or the profile forbids the configuration."""


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    return int(value)


def _positive(value: Any) -> int:
    number = _int(value)
    if number < 1:
        raise ValueError(f"must be at least 1, got {value!r}")
    return number


def _not_negative(value: Any) -> int:
    number = _int(value)
    if number < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return number


def _port(value: Any) -> int:
    port = _int(value)
    if not 0 <= port <= 65535:
        raise ValueError(f"not a TCP port: {value!r}")
    return port


def _bcrypt_cost(value: Any) -> int:
    number = _int(value)
    if not 4 <= number <= 31:
        raise ValueError(f"bcrypt cost must be between 4 and 31, got {value!r}")
    return number


def _seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number of seconds: {value!r}")
    number = float(value)
    if not 0 <= number <= 3600:
        raise ValueError(f"must be between 0 and 3600 seconds, got {value!r}")
    return number


def _positive_seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number of seconds: {value!r}")
    number = float(value)
    if not 0 < number <= 366 * 86400:
        raise ValueError(f"must be more than 0 seconds and at most a year, got {value!r}")
    return number


def _jwt_algorithm(value: Any) -> str:
    text = str(value).strip().upper()
    if text not in JWT_ALGORITHMS:
        raise ValueError(f"expected one of {', '.join(JWT_ALGORITHMS)}, got {value!r}")
    return text


def _origins(value: Any) -> tuple[str, ...]:
    """Browser origins (``scheme://host[:port]``, exactly as the browser sends them), or ``*``."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    origins = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        scheme, sep, rest = text.partition("://")
        if text != "*" and (not sep or scheme not in ("http", "https") or not rest
                            or "/" in rest.rstrip("/")):
            raise ValueError(f"not an origin (scheme://host[:port]): {text!r}")
        origins.append(text.rstrip("/"))
    return tuple(origins)


def _items(value: Any) -> list[str]:
    """A list setting: a TOML array, or a comma-separated string (environment variables)."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [str(item).strip() for item in items if str(item).strip()]


def network_list(value: Any) -> tuple[str, ...]:
    """IP networks: a TOML array, or comma-separated text (environment variables)."""
    networks = []
    for item in _items(value):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"not an IP network (a.b.c.d/n): {item!r}") from None
    return tuple(networks)


def port_list(value: Any) -> tuple[int, ...]:
    """Ports and ranges: ``[9100, 9101]`` or ``"9100-9109"``."""
    ports: list[int] = []
    for item in _items(value):
        low, _, high = item.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"not a port or a range of ports: {item!r}") from None
        if not 1 <= first <= last <= 65535:
            raise ValueError(f"not a port or a range of ports: {item!r}")
        ports.extend(range(first, last + 1))
    return tuple(dict.fromkeys(ports))


def device_patterns(value: Any) -> tuple[str, ...]:
    patterns = _items(value)
    for item in patterns:
        if not item.startswith("/") or ".." in item:
            raise ValueError(f"not an absolute device path pattern: {item!r}")
    return tuple(patterns)


def _printers(value: Any) -> tuple[dict[str, Any], ...]:
    """``[[hardware.printers]]`` tables (or a JSON array in GATEWAY_PRINTERS), each with
    the ``restaurant`` (res.company id) it belongs to."""
    from models.hardware import config_entry

    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            raise ValueError("expected a JSON array of printer objects") from None
    if not isinstance(value, (list, tuple)):
        raise ValueError("expected an array of printer tables")
    entries = []
    for index, item in enumerate(value):
        entry = config_entry(f"printers[{index}]", item, extra_keys=("restaurant",))
        restaurant = entry.get("restaurant")
        if isinstance(restaurant, bool) or not isinstance(restaurant, int) or restaurant <= 0:
            raise ValueError(f"printers[{index}].restaurant: the restaurant's id is required")
        entries.append(entry)
    names = [(e["restaurant"], e["name"]) for e in entries]
    if len(set(names)) != len(names):
        raise ValueError("two printers of one restaurant have the same name")
    return tuple(entries)


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _choice(*choices: str) -> Callable[[Any], str]:
    def cast(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return text
    return cast


@dataclass(frozen=True)
class Setting:
    name: str
    section: str
    default: Any
    help: str
    cast: Callable[[Any], Any]

    @property
    def env_var(self) -> str:
        return "GATEWAY_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("profile", "server", "dev",
            "dev or production. production refuses to start with a default secret, the demo "
            "admin password, list_db on, or tracebacks in error answers.", _choice(*PROFILES)),
    Setting("http_interface", "server", "127.0.0.1",
            "Address to listen on (Odoo's http_interface). Use 0.0.0.0 to serve the LAN.", _str),
    Setting("http_port", "server", 8069, "Port of the Odoo-compatible face (Odoo's http_port).",
            _port),
    Setting("api_port", "server", 8000, "Port of the REST API for mobile clients.", _port),
    Setting("workers", "server", 0,
            "Number of worker processes sharing the ports (0: one process, as Odoo's workers=0).",
            _not_negative),
    Setting("proxy_mode", "server", False,
            "Trust X-Forwarded-* headers from a reverse proxy (Odoo's proxy_mode).", _bool),
    Setting("limit_time_real", "server", 120,
            "Seconds a request may run before it is cancelled (Odoo's limit_time_real).", _positive),
    Setting("max_body_size", "server", 16 * 1024 * 1024,
            "Largest request body accepted, in bytes.", _positive),
    Setting("server_version", "server", "17.0",
            "Odoo version reported to clients (version_info, session_info).", _str),
    Setting("db_name", "database", "gateway",
            "Name of the database as clients see it (Odoo's db_name).", _str),
    Setting("database_url", "database", "",
            "postgresql://user:password@host:5432/dbname, or empty for the embedded SQLite file "
            "<data_dir>/<db_name>.sqlite3.", _str),
    Setting("db_maxconn", "database", 8,
            "PostgreSQL connections per worker process (Odoo's db_maxconn).", _positive),
    Setting("data_dir", "database", "data",
            "Directory for the SQLite file and other local data (Odoo's data_dir).", _str),
    Setting("list_db", "database", True,
            "Answer /web/database/list and db.list (Odoo's list_db).", _bool),
    Setting("dbfilter", "database", "",
            "Regular expression a database name must match for a host; %h is the host name, "
            "%d its first label (Odoo's dbfilter).", _str),
    Setting("admin_passwd", "security", "admin",
            "Master password of the db service (Odoo's admin_passwd).", _str),
    Setting("secret_key", "security", DEFAULT_SECRET,
            "Secret for signed tokens (the HS256 key of REST access tokens). At least 32 bytes "
            "in production.", _str),
    Setting("session_lifetime", "security", 604800,
            "Seconds a web session lives without use (Odoo: 7 days).", _positive),
    Setting("session_cache_seconds", "security", 2.0,
            "Seconds a worker keeps a loaded session in memory (0: read it on every request). "
            "A logout or a permission change made through another worker reaches this one "
            "within this delay; changes made through the same worker apply at once.",
            _seconds),
    Setting("session_cookie_secure", "security", False,
            "Send the session cookie only over HTTPS.", _bool),
    Setting("bcrypt_rounds", "security", 12,
            "bcrypt cost factor for passwords and API keys.", _bcrypt_cost),
    Setting("login_cooldown_after", "security", 5,
            "Failed logins of one login (any face: REST, /web/session/authenticate, /jsonrpc, "
            "XML-RPC) within login_failure_window before further attempts are refused for "
            "login_cooldown_duration, even with the right password (Odoo's "
            "base.login_cooldown_after; 0: off). Counted per worker process.", _not_negative),
    Setting("login_cooldown_duration", "security", 60.0,
            "Seconds a login or client address on cooldown is refused after its latest failure "
            "(Odoo's base.login_cooldown_duration; 0: no cooldown at all).", _seconds),
    Setting("login_failure_window", "security", 3600.0,
            "Seconds a failed login is remembered: older failures no longer count toward "
            "login_cooldown_after.", _seconds),
    Setting("login_ip_cooldown_after", "security", 20,
            "Failed logins from one client address within a minute before that address is "
            "refused for login_cooldown_duration (0: off). Counted per worker process.",
            _not_negative),
    Setting("table_status_interval", "pos", 60.0,
            "Seconds between two refreshes of the tables whose reservation came due or ended "
            "(0: never; orders and bookings change a table's status at once anyway).",
            _seconds),
    Setting("jwt_algorithm", "api", "HS256",
            "Signature of the REST API's access tokens: HS256 (keyed by secret_key) or ES256 "
            "(jwt_private_key_file and jwt_public_key_file, PEM).", _jwt_algorithm),
    Setting("jwt_private_key_file", "api", "",
            "PEM file of the EC P-256 private key that signs access tokens (ES256 only).", _str),
    Setting("jwt_public_key_file", "api", "",
            "PEM file of the EC P-256 public key that verifies access tokens (ES256 only).", _str),
    Setting("jwt_issuer", "api", "odoo-pos-gateway",
            "iss claim of the access tokens; tokens of another issuer are refused.", _str),
    Setting("jwt_audience", "api", "pos-api",
            "aud claim of the access tokens; tokens for another audience are refused.", _str),
    Setting("access_token_minutes", "api", 15,
            "Minutes an access token (JWT) of the REST API is valid.", _positive),
    Setting("refresh_token_days", "api", 7,
            "Days a refresh token of the REST API is valid (each use replaces it).", _positive),
    Setting("rate_limit_per_minute", "api", 100,
            "Requests per minute to the REST API (/api/v1) per user (access token), or per "
            "client address without a valid token; then 429 RATE_LIMITED (0: no limit). "
            "Counted per worker process.", _not_negative),
    Setting("rate_limit_login_per_minute", "api", 30,
            "Requests per minute per client address to /api/v1/auth/login and "
            "/api/v1/auth/refresh, a budget of their own (0: no limit). Counted per worker "
            "process.", _not_negative),
    Setting("cors_origins", "api", (),
            "Browser origins allowed to call the REST API from their pages (CORS), e.g. "
            "[\"https://pos.example.com\"]; \"*\" allows any origin without credentials. "
            "Empty: no cross-origin access. The env variable takes a comma-separated list.",
            _origins),
    Setting("cors_allow_credentials", "api", False,
            "Let the listed origins send cookies (an Odoo session) with their requests; "
            "never applied to \"*\".", _bool),
    Setting("cors_max_age", "api", 600,
            "Seconds a browser may cache a CORS preflight answer.", _not_negative),
    Setting("longpolling_timeout", "bus", 50.0,
            "Seconds a /longpolling/poll waits for a notification before answering [] "
            "(Odoo's TIMEOUT). The wait is outside limit_time_real.", _seconds),
    Setting("bus_retention", "bus", 86400.0,
            "Seconds notifications are kept for clients that reconnect with their last id; "
            "older ones are pruned every bus_prune_interval (a client further behind is told "
            "to resync).", _positive_seconds),
    Setting("bus_prune_interval", "bus", 600.0,
            "Seconds between two prunes of old notifications (0: never).", _seconds),
    Setting("bus_poll_interval", "bus", 5.0,
            "Seconds after which the bus reads new notifications even if no wake-up came "
            "(covers a LISTEN or Redis connection being re-established).", _seconds),
    Setting("redis_url", "bus", "",
            "redis://host:port/db: wake the other gateway processes through Redis pub/sub "
            "instead of PostgreSQL LISTEN/NOTIFY. Empty: PostgreSQL (or in-process on "
            "SQLite).", _str),
    Setting("websocket_keep_alive_timeout", "bus", 3600.0,
            "Seconds after which a websocket is closed (4002, plus a random 0-50 %) so that "
            "clients reconnect and re-check their session, as Odoo does.", _positive_seconds),
    Setting("websocket_rate_limit_burst", "bus", 10,
            "Messages a websocket client may send in a burst before being closed with 1013 "
            "(Odoo's default).", _positive),
    Setting("websocket_rate_limit_delay", "bus", 0.2,
            "Seconds that refill one message of a websocket client's burst.", _seconds),
    Setting("bus_max_channels", "bus", 200,
            "Channels one subscription may name; more is refused as incorrect data.",
            _positive),
    Setting("printer_networks", "hardware",
            ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
            "IP networks a network printer may be in (cloud metadata addresses are refused "
            "whatever this says; add 127.0.0.1/32 only for a print server on this host).",
            network_list),
    Setting("printer_ports", "hardware", tuple(range(9100, 9110)),
            "TCP ports a network printer may listen on (numbers or ranges).", port_list),
    Setting("printer_devices", "hardware",
            ("/dev/usb/lp*", "/dev/lp*", "/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyS*"),
            "Device paths (glob patterns) a USB, serial or file printer may use.", device_patterns),
    Setting("printer_status_interval", "hardware", 30.0,
            "Seconds between two status checks of every printer (0: no checks).", _seconds),
    Setting("print_send_timeout", "hardware", 30.0,
            "Seconds one print job may take to reach its printer before it is retried.",
            _positive_seconds),
    Setting("printers", "hardware", (),
            "Printers set up at each start of 'gateway serve', by name within their "
            "restaurant (created or updated; printers added through the API are left as "
            "they are): [[hardware.printers]] tables with restaurant (its id), name, "
            "connection, host, port, device, paper_width, codepage, role, drawer_pin.",
            _printers),
    Setting("print_queue", "hardware", True,
            "Send print jobs from this gateway (one process per database does: the others "
            "only store jobs). Off when a hardware bridge next to the printers sends them.",
            _bool),
    Setting("debug_tracebacks", "logging", True,
            "Include server tracebacks in error answers (data.debug). Forced off in production.",
            _bool),
    Setting("log_level", "logging", "info", "debug, info, warning, error or critical.",
            _choice(*LOG_LEVELS)),
)
SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}


class Config(Mapping[str, Any]):
    """Frozen, validated settings."""

    def __init__(self, values: Mapping[str, Any], source: str | None = None) -> None:
        self._values = dict(values)
        self.source = source

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # unpickling (workers) looks up __setstate__ before _values exists
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **changes: Any) -> "Config":
        values = dict(self._values)
        for name, value in changes.items():
            setting = SETTINGS_BY_NAME.get(name)
            if setting is None:
                raise ConfigError(f"unknown setting {name!r}")
            values[name] = _cast(setting, value, "override")
        return Config(values, self.source)

    # -- derived ----------------------------------------------------------
    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        path = os.path.join(self.data_dir, f"{self.db_name}.sqlite3")
        return f"sqlite:///{path}"

    @property
    def is_production(self) -> bool:
        return self.profile == "production"

    @property
    def tracebacks(self) -> bool:
        return bool(self.debug_tracebacks) and not self.is_production

    def production_problems(self) -> list[str]:
        """Why the production profile must refuse this configuration (empty: fine)."""
        if not self.is_production:
            return []
        problems = []
        if self.admin_passwd in ("", "admin"):
            problems.append("admin_passwd is the default 'admin': set a master password")
        # also the HS256 key of the REST API's access tokens: PyJWT only warns under 32 bytes
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key.encode("utf-8")) < 32:
            problems.append("secret_key is the default or shorter than 32 bytes")
        if self.jwt_algorithm == "ES256" and not (self.jwt_private_key_file
                                                  and self.jwt_public_key_file):
            problems.append("jwt_algorithm ES256 needs jwt_private_key_file and "
                            "jwt_public_key_file")
        if not self.jwt_issuer or not self.jwt_audience:
            problems.append("jwt_issuer and jwt_audience must not be empty")
        if self.list_db:
            problems.append("list_db is on: turn it off in production")
        return problems


def _cast(setting: Setting, value: Any, origin: str) -> Any:
    try:
        return setting.cast(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{setting.name} ({origin}): {exc}") from None


def load(path: str | None = None, environ: Mapping[str, str] | None = None, *,
         search: bool = True) -> Config:
    """Defaults, then the TOML file, then ``GATEWAY_*`` environment variables.

    Without ``path`` the file is ``$GATEWAY_CONFIG``, else ``./config.toml`` if it
    exists (``search=False``: no file at all).
    """
    environ = os.environ if environ is None else environ
    if path is None and search:
        path = environ.get("GATEWAY_CONFIG") or (
            "config.toml" if os.path.exists("config.toml") else None)
    values = {setting.name: setting.default for setting in SETTINGS}
    if path:
        try:
            with open(path, "rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        for section, entries in document.items():
            if not isinstance(entries, dict):
                raise ConfigError(f"{path}: [{section}] must be a table of settings")
            for name, value in entries.items():
                setting = SETTINGS_BY_NAME.get(name)
                if setting is None or setting.section != section:
                    raise ConfigError(f"{path}: unknown setting [{section}] {name}")
                values[name] = _cast(setting, value, path)
    for setting in SETTINGS:
        if setting.env_var in environ:
            values[setting.name] = _cast(setting, environ[setting.env_var], setting.env_var)
    return Config(values, path)


def render_toml() -> str:
    """``config.toml`` with every setting at its default, documented."""
    lines = ["# Odoo-compatible POS gateway settings.",
             "# Every value below is the default. Each one can be overridden by the environment",
             "# variable GATEWAY_<NAME> (for example GATEWAY_HTTP_PORT=8070).", ""]
    section = None
    for setting in SETTINGS:
        if setting.section != section:
            section = setting.section
            lines += [f"[{section}]", ""]
        lines.append(f"# {setting.help} (env: {setting.env_var})")
        lines.append(f"{setting.name} = {_toml_value(setting.default)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
