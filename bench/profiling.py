"""``python -m bench --profile``: where the gateway spends its CPU under the search_read load.

The gateway runs as in the benchmark (a real ``gateway serve``) and wrk sends
the same search_read load. Two profilers:

* **py-spy** (preferred; installed from PyPI into this virtualenv when
  missing): samples the running process from outside, so the gateway runs at
  full speed and the shares are undistorted;
* **cProfile** (fallback): the gateway is started under ``python -m
  cProfile``; exact call counts, but its per-call overhead inflates code
  that makes many small calls, and the profile includes start-up.

Besides the top functions by self and cumulative time, each sample is put
in one *phase* of the request (the first phase of ``PHASES`` with a function
on the sample's stack). That answers the first questions about a slow
request: how much goes to the session lookup, the user lookup, building and
rendering the SQL, running it, shaping the rows, encoding the JSON, and the
framework around it. The phases name functions of the gateway; one that no
longer exists simply shows 0 %.
"""
from __future__ import annotations

import argparse
import os
import pstats
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from . import cases, perfdoc, procstat, runner, servers, wrk

BIN = os.path.dirname(sys.executable)

#: (phase, [(function name, path fragment)]). A sample belongs to the first phase of this
#: list with one of its functions anywhere on the sample's stack; so the pool's acquire and
#: release count as such wherever they happen, and a query run by the session lookup counts
#: as session lookup, not as query execution.
PHASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("pool acquire / release (asyncpg pool code)", [("acquire", "asyncpg/pool.py"),
                                                   ("_acquire", "asyncpg/pool.py"),
                                                   ("release", "asyncpg/pool.py")]),
    ("session lookup (cookie -> http_session row)", [("load_session", "sessions.py")]),
    ("user lookup (res.users row, cached UserInfo)", [("_user_info", "res_users.py"),
                                                      ("user_env", "service.py")]),
    ("request decode (read body, orjson.loads)", [("read_body", "jsonrpc.py")]),
    ("domain + record rule -> peewee expression", [("_where", "base.py")]),
    ("read plan, SELECT and ORDER BY building", [("_read_plan", "base.py"),
                                                 ("_select", "base.py"),
                                                 ("_order_by", "base.py")]),
    ("SQL rendering (peewee .sql())", [("sql", "models/db.py"), ("sql", "db.py")]),
    ("query execution (driver call)", [("fetchall", "db.py"), ("execute", "db.py")]),
    ("row shaping (read plan)", [("shape", "read plan")]),
    ("response encode (orjson.dumps, web.Response)", [("response", "jsonrpc.py")]),
    ("search_read itself (access check, SQL cache lookup, parameters)",
     [("search_read", "base.py"), ("_cached_rows", "base.py"), ("static_rows", "db.py")]),
    ("HTTP answer write (aiohttp writer, kernel send)", [("finish_response",
                                                          "web_protocol.py")]),
    ("unit of work (transaction, lock, env, dispatch)", [("run_unit", "db.py"),
                                                         ("call_kw", "dispatch.py")]),
]
FRAMEWORK = "aiohttp (HTTP parsing, routing, middlewares), asyncio, driver callbacks: the rest"


@dataclass
class Profile:
    """Aggregated samples (py-spy) or seconds (cProfile) per function."""

    tool: str
    total: float                     # samples, or seconds of CPU
    self_time: Counter
    cumulative: Counter
    calls: dict[str, int]            # cProfile only
    phases: Counter
    requests: int
    server_ms: float                 # server CPU during the profiled load

    def per_request_us(self, amount: float) -> float:
        if not self.total or not self.requests:
            return 0.0
        return amount / self.total * self.server_ms / self.requests * 1000


def _frame_parts(frame: str) -> tuple[str, str]:
    """py-spy's ``name (path:line)`` -> (name, path:line)."""
    name, _, where = frame.rpartition(" (")
    return (name or frame), where.rstrip(")")


def _matches(name: str, where: str, matchers: list[tuple[str, str]]) -> bool:
    """``Cursor.sql`` / ``shape.<locals>.<listcomp>`` match the function ``sql`` / ``shape``."""
    parts = name.split(".")
    return any(fn in parts and fragment in where for fn, fragment in matchers)


def _phase_of(stack: list[tuple[str, str]]) -> str:
    for phase, matchers in PHASES:
        if any(_matches(name, where, matchers) for name, where in stack):
            return phase
    return FRAMEWORK


def parse_pyspy(path: str) -> tuple[float, Counter, Counter, Counter]:
    self_time: Counter = Counter()
    cumulative: Counter = Counter()
    phases: Counter = Counter()
    total = 0
    with open(path, errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            stack_text, _, count_text = line.rpartition(" ")
            if not stack_text or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack_text.split(";")
            total += count
            self_time[frames[-1]] += count
            for frame in set(frames):
                cumulative[frame] += count
            phases[_phase_of([_frame_parts(f) for f in frames])] += count
    return total, self_time, cumulative, phases


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3."):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return tail if marker == "site-packages/" else tail.split("/", 1)[-1]
    if path.startswith(servers.REPO + os.sep):
        return os.path.relpath(path, servers.REPO)
    return path


def parse_cprofile(path: str) -> tuple[float, Counter, Counter, dict[str, int], Counter]:
    stats = pstats.Stats(path)
    self_time: Counter = Counter()
    cumulative: Counter = Counter()
    calls: dict[str, int] = {}
    table = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_, ncalls, tottime, cumtime, _) in table.items():
        key = f"{name} ({_short(filename)}:{line})"
        self_time[key] += tottime
        cumulative[key] = max(cumulative[key], cumtime)
        calls[key] = calls.get(key, 0) + ncalls
    total = sum(self_time.values())
    # cProfile has no stacks: a phase is the largest cumulative time among its functions
    # (phases nest: a query run by the user lookup counts there and in query execution).
    phases: Counter = Counter()
    for phase, matchers in PHASES:
        for key, cum in cumulative.items():
            name, where = _frame_parts(key)
            if _matches(name, where, matchers):
                phases[phase] = max(phases[phase], cum)
    return total, self_time, cumulative, calls, phases


def ensure_pyspy(log: Callable[[str], None]) -> str | None:
    found = shutil.which("py-spy") or (os.path.join(BIN, "py-spy")
                                       if os.path.exists(os.path.join(BIN, "py-spy")) else None)
    if found:
        return found
    log("profile: installing py-spy from PyPI into this virtualenv")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"])
    path = os.path.join(BIN, "py-spy")
    return path if done.returncode == 0 and os.path.exists(path) else None


def _load(prepared: runner.Prepared, server: servers.Server, seconds: float,
          args: argparse.Namespace, wrk_path: str) -> tuple[wrk.WrkResult, procstat.Usage]:
    case = cases.Case(cases.SEARCH_READ, cases.GATEWAY)
    url = server.base_url + case.path
    body_file = prepared.request_files[case.request]
    common = dict(cookie=prepared.cookie, expect_len=len(prepared.answers[case.request]),
                  threads=args.threads, connections=args.connections)
    before = procstat.Snapshot.take(server.pid)
    load = wrk.run(wrk_path, url, body_file, seconds, **common)
    after = procstat.Snapshot.take(server.pid)
    return load, procstat.usage(before, after, load.cpu_ticks)


def profile_backend(prepared: runner.Prepared, tool: str, pyspy: str | None,
                    args: argparse.Namespace, wrk_path: str, log: Callable[[str], None]) -> Profile:
    target = prepared.target
    case = cases.Case(cases.SEARCH_READ, cases.GATEWAY)
    body_file = prepared.request_files[case.request]
    warm = dict(cookie=prepared.cookie, expect_len=len(prepared.answers[case.request]),
                threads=args.threads, connections=args.connections)
    stats_file = os.path.join(target.workdir, "gateway.prof")
    server = servers.start_gateway(target, profile_out=stats_file if tool == "cprofile" else "")
    warmed = 0
    try:
        if args.warmup > 0:
            warmed = wrk.run(wrk_path, server.base_url + case.path, body_file, args.warmup,
                             **warm).requests
        if tool == "py-spy":
            assert pyspy is not None
            raw = os.path.join(target.workdir, "pyspy.txt")
            spy = subprocess.Popen(
                [pyspy, "record", "--pid", str(server.pid), "--duration",
                 str(max(1, round(args.duration))), "--rate", "250", "--function",
                 "--format", "raw", "--output", raw] + (["--native"] if args.native else []),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            load, usage = _load(prepared, server, args.duration, args, wrk_path)
            _, err = spy.communicate(timeout=args.duration + 60)
            if spy.returncode != 0:
                raise RuntimeError(f"py-spy failed: {err.strip()[-500:]}")
        else:
            load, usage = _load(prepared, server, args.duration, args, wrk_path)
            lifetime_ms = procstat.process_ticks(server.pid) * 1000 / procstat.TICKS
    finally:
        server.stop()
    log(f"[{target.kind}] profiled {load.requests:,} search_read requests "
        f"({load.rps:,.0f} req/s under the profiler, errors {load.error_text()})")
    if tool == "py-spy":
        total, self_time, cumulative, phases = parse_pyspy(raw)
        return Profile(tool, total, self_time, cumulative, {}, phases, load.requests,
                       usage.server_ms)
    # cProfile saw the whole process: start-up, the checks, the warm-up and the load.
    total, self_time, cumulative, calls, phases = parse_cprofile(stats_file)
    return Profile(tool, total, self_time, cumulative, calls, phases,
                   warmed + load.requests + 1, lifetime_ms)


def _top_table(profile: Profile, by: Counter, top: int) -> str:
    """The ``top`` functions by ``by``, leaving out the spine every sample shares (main, run...)."""
    calls = "| calls/req " if profile.calls else ""
    lines = [f"| function | self % | cum % | self µs/req | cum µs/req {calls}|",
             "|---|---|---|---|---|" + ("---|" if profile.calls else "")]
    spine = 0.97 * profile.total
    ranked = [(key, amount) for key, amount in by.most_common()
              if profile.cumulative.get(key, 0) < spine][:top]
    for key, _ in ranked:
        s, c = profile.self_time.get(key, 0), profile.cumulative.get(key, 0)
        extra = (f"| {profile.calls.get(key, 0) / max(profile.requests, 1):.1f} "
                 if profile.calls else "")
        lines.append(f"| `{key}` | {s / profile.total * 100:.1f} | {c / profile.total * 100:.1f} "
                     f"| {profile.per_request_us(s):.0f} | {profile.per_request_us(c):.0f} "
                     f"{extra}|")
    return "\n".join(lines)


def phase_table(profile: Profile) -> str:
    lines = ["| phase | share | µs/req |", "|---|---|---|"]
    names = [phase for phase, _ in PHASES] + ([FRAMEWORK] if profile.tool == "py-spy" else [])
    for name in sorted(names, key=lambda n: -profile.phases.get(n, 0)):
        amount = profile.phases.get(name, 0)
        lines.append(f"| {name} | {amount / profile.total * 100:.1f} % "
                     f"| {profile.per_request_us(amount):.0f} |")
    return "\n".join(lines)


def render(kind: str, profile: Profile, top: int) -> str:
    cpu_us = profile.server_ms / max(profile.requests, 1) * 1000
    unit = "samples" if profile.tool == "py-spy" else "s of profiled CPU"
    note = ("phases are disjoint: a sample counts once, for the first phase of the list in "
            "bench/profiling.py with a function on the sample's stack"
            if profile.tool == "py-spy" else
            "cProfile has no stacks: a phase is the largest cumulative time of its functions, "
            "and phases nest (a query run by the user lookup counts there and in execution)")
    return "\n\n".join([
        f"### {kind}: {profile.tool}, {profile.requests:,} requests, "
        f"{profile.total:,.{0 if profile.tool == 'py-spy' else 2}f} {unit}, "
        f"server CPU {cpu_us:.0f} µs/request",
        f"Phases ({note}):",
        phase_table(profile),
        f"Top {top} by self time:",
        _top_table(profile, profile.self_time, top),
        f"Top {top} by cumulative time:",
        _top_table(profile, profile.cumulative, top),
    ])


def main(args: argparse.Namespace, argv: list[str], root: str, wrk_path: str,
         log: Callable[[str], None]) -> int:
    tool, pyspy = args.profiler, None
    if tool in ("auto", "py-spy"):
        pyspy = ensure_pyspy(log)
        if pyspy is None and tool == "py-spy":
            log("profile: py-spy is not available")
            return 1
        tool = "py-spy" if pyspy else "cprofile"
    options = runner.Options(backends=args.backends, duration=args.duration, warmup=args.warmup,
                             threads=args.threads, connections=args.connections,
                             pg_admin_url=args.pg_url)
    sections = []
    for kind in args.backends:
        prepared = runner.prepare(kind, root, options, log)
        profile = profile_backend(prepared, tool, pyspy, args, wrk_path, log)
        text = render(kind, profile, args.top)
        print("\n" + text + "\n", flush=True)
        sections.append(text)
    if not args.no_doc:
        head = (f"## Profile: gateway search_read\n\nProfiled {perfdoc.now()} with "
                f"{perfdoc.command(argv)} "
                f"({args.duration:g} s of load after a {args.warmup:g} s warm-up). µs/req "
                "converts a share into the server's measured CPU per request.")
        path = perfdoc.update("profile", "\n\n".join([head] + sections))
        log(f"wrote {os.path.relpath(path)}")
    return 0
