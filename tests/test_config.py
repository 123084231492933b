"""Settings: config.toml documents every setting, precedence, validation, production checks.

Pure tests: no database, no server, no subprocess.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gateway.config import (DEFAULT_SECRET, SETTINGS, SETTINGS_BY_NAME, ConfigError, load,
                            render_toml)
from models.db import make_backend

ROOT = Path(__file__).resolve().parent.parent
CONFIG_TOML = ROOT / "config.toml"
GOOD_SECRET = "s" * 40

# Names Odoo administrators know from odoo.conf keep Odoo's spelling.
ODOO_NAMES = ("http_interface", "http_port", "workers", "proxy_mode", "limit_time_real",
              "db_name", "db_maxconn", "data_dir", "list_db", "dbfilter", "admin_passwd",
              "log_level")


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- config.toml is the documentation of SETTINGS ------------------------------------------


def test_config_toml_lists_every_setting_with_its_default_and_nothing_else() -> None:
    document = tomllib.loads(CONFIG_TOML.read_text(encoding="utf-8"))
    found = {(section, name): value for section, entries in document.items()
             for name, value in entries.items()}
    # TOML arrays read back as lists; the settings keep them as (frozen) tuples
    expected = {(s.section, s.name): list(s.default) if isinstance(s.default, tuple) else s.default
                for s in SETTINGS}
    assert found == expected
    for (section, name), value in found.items():   # 1 == True in a dict compare: check types
        default = SETTINGS_BY_NAME[name].default
        assert type(value) is (list if isinstance(default, tuple) else type(default)), name


def test_config_toml_is_render_toml() -> None:
    assert CONFIG_TOML.read_text(encoding="utf-8") == render_toml(), (
        "config.toml is stale: run 'make config'")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_with_its_env_variable(setting: Any) -> None:
    text = CONFIG_TOML.read_text(encoding="utf-8")
    assert f"(env: GATEWAY_{setting.name.upper()})" in text
    assert setting.env_var == f"GATEWAY_{setting.name.upper()}"
    assert setting.help.strip()


def test_odoo_settings_keep_odoo_names() -> None:
    assert set(ODOO_NAMES) <= set(SETTINGS_BY_NAME)


def test_the_committed_file_loads_to_the_defaults() -> None:
    config = load(str(CONFIG_TOML), environ={})
    assert dict(config) == {s.name: s.default for s in SETTINGS}
    assert config.source == str(CONFIG_TOML)


# -- precedence: environment > file > default ---------------------------------------------


def test_defaults_without_file_or_environment() -> None:
    config = load(environ={}, search=False)
    assert dict(config) == {s.name: s.default for s in SETTINGS}
    assert config.source is None


def test_environment_wins_over_file_which_wins_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nhttp_port = 9000\napi_port = 9001\n'
                           '[database]\ndb_name = "fromfile"\n')
    config = load(path, environ={"GATEWAY_HTTP_PORT": "9100"})
    assert config.http_port == 9100          # environment
    assert config.api_port == 9001           # file
    assert config.db_name == "fromfile"      # file
    assert config.workers == 0               # default
    assert config.source == path


def test_config_file_is_found_through_gateway_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nworkers = 3\n')
    assert load(environ={"GATEWAY_CONFIG": path}).workers == 3


def test_search_false_reads_no_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nworkers = 3\n')
    assert load(environ={"GATEWAY_CONFIG": path}, search=False).workers == 0


@pytest.mark.parametrize("name, raw, value", [
    ("http_port", "8070", 8070),
    ("api_port", "0", 0),
    ("workers", "4", 4),
    ("proxy_mode", "true", True),
    ("proxy_mode", "1", True),
    ("proxy_mode", "off", False),
    ("list_db", "False", False),
    ("list_db", "yes", True),
    ("profile", "Production", "production"),
    ("log_level", "DEBUG", "debug"),
    ("db_name", "pos", "pos"),
    ("database_url", "postgresql://u:p@h:5433/pos", "postgresql://u:p@h:5433/pos"),
    ("secret_key", GOOD_SECRET, GOOD_SECRET),
    ("bcrypt_rounds", "4", 4),
    ("session_cookie_secure", "on", True),
    ("max_body_size", "1024", 1024),
])
def test_environment_values_are_cast(name: str, raw: str, value: Any) -> None:
    config = load(environ={f"GATEWAY_{name.upper()}": raw}, search=False)
    assert config[name] == value and type(config[name]) is type(value)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_overridable_by_its_env_variable(setting: Any) -> None:
    samples = {bool: "false" if setting.default else "true",
               int: "8" if setting.default == 7 else "7", float: "7.5", str: None,
               tuple: "https://pos.example.com"}
    raw = {"printer_networks": "10.1.0.0/16", "printer_ports": "9100,19100-19101",
           "printer_devices": "/dev/usb/lp0",
           "printers": '[{"restaurant": 3, "name": "Counter", "host": "192.168.1.50"}]',
           }.get(setting.name) or samples[type(setting.default)]
    if raw is None:
        raw = {"profile": "production", "log_level": "error",
               "jwt_algorithm": "ES256"}.get(setting.name, "custom-value")
    config = load(environ={setting.env_var: raw}, search=False)
    assert config[setting.name] != setting.default


@pytest.mark.parametrize("name, raw, message", [
    ("printer_networks", "10.0.0.0/8,printer.local", "not an IP network"),
    ("printer_ports", "9100-9000", "not a port or a range"),
    ("printer_ports", "70000", "not a port or a range"),
    ("printer_devices", "dev/usb/lp0", "not an absolute device path"),
    ("printer_devices", "/dev/../etc/passwd", "not an absolute device path"),
    ("printers", "not json", "JSON array"),
    ("printers", '[{"name": "Counter"}]', r"printers\[0\].restaurant"),
    ("printers", '[{"restaurant": 3}]', r"printers\[0\].name: required"),
    ("printers", '[{"restaurant": 3, "name": "A", "colour": "red"}]', "unknown keys colour"),
    ("printers", '[{"restaurant": 3, "name": "A", "role": "fax"}]', r"printers\[0\].role"),
    ("printers", '[{"restaurant": 3, "name": "A"}, {"restaurant": 3, "name": "A"}]',
     "same name"),
])
def test_printer_limits_are_checked(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(environ={f"GATEWAY_{name.upper()}": raw}, search=False)


def test_replace_validates() -> None:
    config = load(environ={}, search=False)
    assert config.replace(http_port="9999").http_port == 9999
    with pytest.raises(ConfigError, match="nope"):
        config.replace(nope=1)
    with pytest.raises(ConfigError, match="http_port"):
        config.replace(http_port=-1)


# -- bad values are errors naming the setting ---------------------------------------------


@pytest.mark.parametrize("environ, named", [
    ({"GATEWAY_HTTP_PORT": "70000"}, "http_port"),
    ({"GATEWAY_API_PORT": "-1"}, "api_port"),
    ({"GATEWAY_HTTP_PORT": "http"}, "http_port"),
    ({"GATEWAY_WORKERS": "x"}, "workers"),
    ({"GATEWAY_PROFILE": "prod"}, "profile"),
    ({"GATEWAY_LOG_LEVEL": "verbose"}, "log_level"),
    ({"GATEWAY_LIST_DB": "maybe"}, "list_db"),
    ({"GATEWAY_DB_MAXCONN": "8.5"}, "db_maxconn"),
])
def test_bad_environment_values_name_the_setting(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(environ=environ, search=False)
    message = str(info.value)
    assert named in message and next(iter(environ)) in message
    assert environ[next(iter(environ))] in message


@pytest.mark.parametrize("text, named", [
    ('[server]\nhttp_port = 70000\n', "http_port"),
    ('[server]\nworkers = "x"\n', "workers"),
    ('[server]\nworkers = true\n', "workers"),
    ('[server]\nprofile = "prod"\n', "profile"),
    ('[database]\nlist_db = "sometimes"\n', "list_db"),
    ('[server]\nhttp_prot = 8069\n', "http_prot"),             # unknown setting
    ('[database]\nhttp_port = 8069\n', "http_port"),           # right name, wrong section
    ('[security]\nlog_level = "info"\n', "log_level"),         # right name, wrong section
    ('[nosuch]\ndb_name = "x"\n', "db_name"),                  # unknown section
    ('http_port = 8069\n', "http_port"),                       # outside any section
])
def test_bad_file_values_name_the_setting_and_the_file(tmp_path: Path, text: str,
                                                        named: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path, environ={})
    assert named in str(info.value) and path in str(info.value)


@pytest.mark.parametrize("text", ['[server\nhttp_port = 8069\n', 'http_port = = 1\n',
                                  '[server]\nhttp_port = 8069\nhttp_port = 8070\n'])
def test_broken_toml_is_a_config_error_naming_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=str(tmp_path)):
        load(path, environ={})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load(str(tmp_path / "absent.toml"), environ={})


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


# -- production profile ---------------------------------------------------------------------

SAFE = {"GATEWAY_PROFILE": "production", "GATEWAY_ADMIN_PASSWD": "a-real-master-password",
        "GATEWAY_SECRET_KEY": GOOD_SECRET, "GATEWAY_LIST_DB": "false"}


def test_dev_profile_has_no_production_problems() -> None:
    assert load(environ={}, search=False).production_problems() == []


def test_production_with_all_defaults_lists_every_problem() -> None:
    problems = load(environ={"GATEWAY_PROFILE": "production"}, search=False).production_problems()
    assert len(problems) == 3
    text = " ".join(problems)
    for name in ("admin_passwd", "secret_key", "list_db"):
        assert name in text


def test_production_with_real_secrets_is_fine() -> None:
    config = load(environ=SAFE, search=False)
    assert config.is_production and config.production_problems() == []
    assert config.tracebacks is False


@pytest.mark.parametrize("change, named", [
    ({"GATEWAY_ADMIN_PASSWD": "admin"}, "admin_passwd"),
    ({"GATEWAY_ADMIN_PASSWD": ""}, "admin_passwd"),
    ({"GATEWAY_SECRET_KEY": DEFAULT_SECRET}, "secret_key"),
    ({"GATEWAY_SECRET_KEY": "short-secret"}, "secret_key"),
    ({"GATEWAY_SECRET_KEY": "x" * 31}, "secret_key"),
    ({"GATEWAY_LIST_DB": "true"}, "list_db"),
])
def test_each_production_problem_is_named(change: dict[str, str], named: str) -> None:
    problems = load(environ={**SAFE, **change}, search=False).production_problems()
    assert len(problems) == 1 and named in problems[0], problems


def test_tracebacks_follow_debug_tracebacks_in_dev() -> None:
    assert load(environ={}, search=False).tracebacks is True
    assert load(environ={"GATEWAY_DEBUG_TRACEBACKS": "0"}, search=False).tracebacks is False


# -- database URL ---------------------------------------------------------------------------


@pytest.mark.parametrize("environ, url, kind", [
    ({}, "sqlite:///" + os.path.join("data", "gateway.sqlite3"), "sqlite"),
    ({"GATEWAY_DB_NAME": "pos", "GATEWAY_DATA_DIR": "/var/lib/gw"},
     "sqlite:////var/lib/gw/pos.sqlite3", "sqlite"),
    ({"GATEWAY_DATABASE_URL": "postgresql://pos:pw@db.local:5433/pos"},
     "postgresql://pos:pw@db.local:5433/pos", "postgresql"),
    ({"GATEWAY_DATABASE_URL": "postgresql://postgres@127.0.0.1/x", "GATEWAY_DATA_DIR": "/d"},
     "postgresql://postgres@127.0.0.1/x", "postgresql"),
    ({"GATEWAY_DATABASE_URL": "sqlite:////tmp/explicit.sqlite3"},
     "sqlite:////tmp/explicit.sqlite3", "sqlite"),
])
def test_resolved_database_url(environ: dict[str, str], url: str, kind: str) -> None:
    config = load(environ=environ, search=False)
    assert config.resolved_database_url == url
    assert make_backend(config.resolved_database_url).kind == kind


def test_sqlite_file_lives_in_data_dir() -> None:
    config = load(environ={"GATEWAY_DATA_DIR": "/srv/gw", "GATEWAY_DB_NAME": "bistro"},
                  search=False)
    backend = make_backend(config.resolved_database_url)
    assert backend.path == "/srv/gw/bistro.sqlite3"  # type: ignore[attr-defined]
