"""CPU and memory from /proc: per server process, per PostgreSQL backend, and for the host.

CPU per request is the steadiest figure on a noisy shared VM (the baseline's
advice), so each measured run snapshots utime+stime of the server process
and of the PostgreSQL backends serving the bench database, plus the host
totals: what the host spent beyond the server, PostgreSQL and wrk is
"other" load, reported so a noisy run can be recognised (steal time is the
hypervisor taking the CPU away).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")


def process_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read()
    except OSError:
        return 0
    fields = text[text.rindex(b")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:   # not on Linux, or not readable: report what is known
        pass
    return 0.0


def pg_backends(dbname: str) -> list[int]:
    """PIDs of PostgreSQL backends connected to ``dbname`` (from their process titles)."""
    pids = []
    needle = f" {dbname} ".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if cmdline.startswith(b"postgres:") and needle in cmdline:
            pids.append(int(entry))
    return pids


def host_ticks() -> tuple[int, int, int]:
    """(busy, total, steal) clock ticks over all CPUs since boot."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    steal = values[7] if len(values) > 7 else 0
    total = sum(values[:8])
    return total - idle, total, steal


@dataclass
class Snapshot:
    at: float
    server: int
    pg: dict[int, int]
    host_busy: int
    host_total: int
    steal: int

    @classmethod
    def take(cls, server_pid: int, pg_dbname: str = "") -> "Snapshot":
        pg = {pid: process_ticks(pid) for pid in pg_backends(pg_dbname)} if pg_dbname else {}
        busy, total, steal = host_ticks()
        return cls(time.monotonic(), process_ticks(server_pid), pg, busy, total, steal)


@dataclass
class Usage:
    """CPU spent between two snapshots, in milliseconds (and host shares in % of one core)."""

    seconds: float
    server_ms: float
    pg_ms: float
    other_pct: float
    steal_pct: float


def usage(before: Snapshot, after: Snapshot, wrk_ticks: int) -> Usage:
    ms = 1000 / TICKS
    pg = sum(after.pg.get(pid, ticks) - ticks for pid, ticks in before.pg.items())
    pg += sum(ticks for pid, ticks in after.pg.items() if pid not in before.pg)
    server = after.server - before.server
    seconds = max(after.at - before.at, 1e-6)
    other = (after.host_busy - before.host_busy) - server - pg - wrk_ticks
    return Usage(seconds=seconds, server_ms=server * ms, pg_ms=pg * ms,
                 other_pct=max(other, 0) / TICKS / seconds * 100,
                 steal_pct=(after.steal - before.steal) / TICKS / seconds * 100)


def wait_quiet(limit_pct: float = 15.0, window: float = 2.0, max_wait: float = 30.0) -> float:
    """Wait until the host used less than ``limit_pct`` % of one core over ``window`` s.

    Gives up after ``max_wait`` s (other tenants may be running their own load for
    minutes); answers the last measured load so the caller can report it.
    """
    deadline = time.monotonic() + max_wait
    while True:
        busy0, _, _ = host_ticks()
        time.sleep(window)
        busy1, _, _ = host_ticks()
        load = (busy1 - busy0) / TICKS / window * 100
        if load < limit_pct or time.monotonic() >= deadline:
            return load


def wait_idle(pid: int, limit_pct: float = 10.0, window: float = 0.2,
              max_wait: float = 60.0) -> float:
    """Wait until process ``pid`` used less than ``limit_pct`` % of one core over ``window`` s.

    After a warm-up, a slow server is still working through the requests wrk
    left in flight; measuring then would charge that work to the next run.
    Answers the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < max_wait:
        before = process_ticks(pid)
        time.sleep(window)
        if (process_ticks(pid) - before) / TICKS / window * 100 < limit_pct:
            break
    return time.monotonic() - start
