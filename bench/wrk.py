"""The load generator: wrk, installed from Debian's packages when missing, and its results.

The bench must work on a fresh machine with nothing installed by hand, so a
missing ``wrk`` is installed with ``apt-get`` (as root, or through
``sudo -n``). Every run uses the same Lua script (``post.lua``), which
also counts answers that are not the expected one (a JSON-RPC error is an
HTTP 200, invisible to wrk's own error counters; a resent order is a 200
where a new one is a 201).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass

SCRIPT = os.path.join(os.path.dirname(__file__), "post.lua")
MARKER = "BENCH_RESULT "


class WrkError(RuntimeError):
    """wrk is missing and cannot be installed, or a run produced no result."""


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package if needed."""
    found = shutil.which("wrk")
    if found:
        return found
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise WrkError("wrk is not installed and this user cannot run apt-get "
                           "(not root, no sudo): install the 'wrk' package")
        prefix = ["sudo", "-n"]
    if not shutil.which("apt-get"):
        raise WrkError("wrk is not installed and apt-get is not available: install wrk")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("bench: wrk not found; installing Debian's wrk package with apt-get", flush=True)
    install = prefix + ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(prefix + ["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL,
                       check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)
    found = shutil.which("wrk")
    if not found:
        raise WrkError("apt-get install wrk succeeded but wrk is not on PATH")
    return found


def wrk_version(path: str) -> str:
    out = subprocess.run([path, "-v"], capture_output=True, text=True)
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].split(" Copyright")[0] if text else "wrk (unknown version)"


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    connect: int
    read: int
    write: int
    status: int     # non-2xx/3xx
    timeout: int
    bad: int        # HTTP 200 but not the expected answer
    cpu_ticks: int  # wrk's own utime+stime (clock ticks)

    @property
    def errors(self) -> int:
        return self.connect + self.read + self.write + self.status + self.timeout + self.bad

    def error_text(self) -> str:
        parts = [f"{name} {getattr(self, name)}" for name in
                 ("connect", "read", "write", "status", "timeout", "bad") if getattr(self, name)]
        return ", ".join(parts) or "0"


def _children_ticks() -> int:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * os.sysconf("SC_CLK_TCK"))


def run(wrk: str, url: str, body_file: str, seconds: float, *, cookie: str = "",
        expect_len: int = 0, threads: int = 2, connections: int = 64, method: str = "POST",
        authorization: str = "", expect_status: int = 200, uuid_prefix: str = "",
        tables: str = "", timeout: float = 2.0) -> WrkResult:
    """One wrk run (``-t2 -c64 -d<seconds>s --latency``) and its parsed result.

    ``body_file`` is empty for a GET; with ``uuid_prefix`` it is a template
    that post.lua fills per request (a unique uuid, the next of ``tables``).
    An answer slower than ``timeout`` s counts as a timeout, and its latency is
    not recorded (wrk's own rule; 2 s is wrk's default)."""
    env = dict(os.environ, BENCH_BODY=body_file, BENCH_COOKIE=cookie,
               BENCH_EXPECT_LEN=str(expect_len), BENCH_METHOD=method,
               BENCH_AUTHORIZATION=authorization, BENCH_EXPECT_STATUS=str(expect_status),
               BENCH_UUID_PREFIX=uuid_prefix, BENCH_TABLES=tables)
    duration = max(1, round(seconds))
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout:g}s",
           "--latency", "-s", SCRIPT, url]
    before = _children_ticks()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         timeout=duration + timeout + 60)
    ticks = _children_ticks() - before
    line = next((l for l in out.stdout.splitlines() if l.startswith(MARKER)), None)
    if out.returncode != 0 or line is None:
        raise WrkError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout[-500:]}")
    data = json.loads(line[len(MARKER):])
    secs = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"], seconds=secs, rps=data["requests"] / secs if secs else 0.0,
        p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000, connect=data["connect"], read=data["read"],
        write=data["write"], status=data["status"], timeout=data["timeout"], bad=data["bad"],
        cpu_ticks=ticks)
