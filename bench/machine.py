"""The facts that make a number comparable: CPU, memory, OS, and every version involved.

Read at run time (from /proc, the package metadata and the servers
themselves) and printed with the results, so a figure in
docs/performance.md always says which machine and stack produced it.
"""
from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata


def _cpu() -> str:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:   # not on Linux, or not readable: report what is known
        pass
    return f"{os.cpu_count()} vCPU, {model}"


def _memory() -> str:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:   # not on Linux, or not readable: report what is known
        pass
    return "unknown"


def _os() -> str:
    try:
        with open("/etc/os-release") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    name = line.split("=", 1)[1].strip().strip('"')
                    return f"{name}, Linux {platform.release()}"
    except OSError:   # not on Linux, or not readable: report what is known
        pass
    return f"{platform.system()} {platform.release()}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _postgres(admin_url: str) -> str:
    try:
        import psycopg2

        conn = psycopg2.connect(admin_url, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                values = []
                for setting in ("server_version", "shared_buffers", "max_connections", "fsync",
                                "synchronous_commit"):
                    cur.execute(f"SHOW {setting}")
                    values.append(f"{setting} {cur.fetchone()[0]}")
        finally:
            conn.close()
        return ", ".join(values)
    except Exception as exc:  # a fact, not a requirement: report why it is missing
        return f"unavailable ({type(exc).__name__})"


def facts(wrk_version: str, pg_admin_url: str, with_pg: bool) -> list[tuple[str, str]]:
    rows = [
        ("CPU", _cpu()), ("RAM", _memory()), ("OS", _os()),
        ("Python", platform.python_version()),
        ("aiohttp / aiohttp-session", f"{_version('aiohttp')} / {_version('aiohttp-session')}"),
        ("peewee", _version("peewee")), ("asyncpg", _version("asyncpg")),
        ("orjson", _version("orjson")),
        ("SQLite", f"{sqlite3.sqlite_version} (WAL, synchronous=NORMAL, the gateway's pragmas)"),
        ("load generator", wrk_version),
    ]
    if with_pg:
        rows.append(("PostgreSQL", _postgres(pg_admin_url)))
    return rows


def facts_table(rows: list[tuple[str, str]]) -> str:
    return "\n".join(["| item | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows])
