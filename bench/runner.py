"""Rounds of runs: every case once per round, each on a fresh, verified server.

Per backend, ``prepare`` builds the database, starts the gateway once to log
in (the session lives in the database, so it outlives the process) and
captures the answers every later run must reproduce. Then each round runs
every case of every backend: start the server, check its answer, wait for
the host to be quiet, warm up, measure with wrk while sampling /proc, read
the server's RSS, stop it. Interleaving puts the gateway and its references
under the same host conditions; the report pairs them within a round.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from . import cases, client, dataset, procstat, servers, wrk
from .cases import CEILING, FLOOR, GATEWAY, Case


@dataclass
class Options:
    backends: list[str]
    rounds: int = 1
    duration: float = 10.0
    warmup: float = 3.0
    threads: int = 2
    connections: int = 64
    pg_admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    quiet_pct: float = 15.0     # host load (% of one core) to wait under before a run
    quiet_wait: float = 10.0    # ... for at most this many seconds


@dataclass
class Prepared:
    """One backend, ready to be measured."""

    target: dataset.Target
    cookie: str
    request_files: dict[str, str]   # request -> file holding the request body
    answers: dict[str, bytes]       # request -> the gateway's verified answer body
    answer_files: dict[str, str]    # request -> file holding that answer (for the ceiling)


@dataclass
class RunResult:
    backend: str
    case: Case
    round: int
    load: wrk.WrkResult
    usage: procstat.Usage
    rss_mib: float
    quiet_pct: float                # host load just before the run

    @property
    def rps(self) -> float:
        return self.load.rps

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request (ms)."""
        return self.usage.server_ms / self.load.requests if self.load.requests else 0.0

    @property
    def pg_ms(self) -> float | None:
        if self.backend != "postgresql" or self.case.server == CEILING:
            return None
        return self.usage.pg_ms / self.load.requests if self.load.requests else 0.0


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def prepare(kind: str, root: str, options: Options, log: Callable[[str], None]) -> Prepared:
    log(f"[{kind}] building the database ({dataset.PRODUCTS:,} products in one restaurant)")
    target = dataset.prepare(kind, root, options.pg_admin_url)
    log(f"[{kind}] restaurant id {target.company_id}: {target.matching:,} products match the "
        f"domain; capturing the gateway's answers")
    requests = {cases.SEARCH_READ: cases.search_read_body(target.company_id),
                cases.VERSION_INFO: cases.version_info_body()}
    request_files = {name: _write(os.path.join(target.workdir, f"{name}.request.json"), body)
                     for name, body in requests.items()}
    gateway = servers.start_gateway(target)
    try:
        cookie = client.login(gateway.base_url, dataset.BENCH_DB_NAME)
        answers = {}
        for name, body in requests.items():
            first = client.post(gateway.base_url, cases.PATHS[name], body, cookie)
            second = client.post(gateway.base_url, cases.PATHS[name], body, cookie)
            cases.check_gateway_answer(name, first.json(), cases.LIMIT)
            if first.status != 200 or first.body != second.body:
                raise cases.WrongAnswer(f"the gateway's {name} answer is not stable")
            answers[name] = first.body
    finally:
        gateway.stop()
    answer_files = {name: _write(os.path.join(target.workdir, f"{name}.answer.json"), body)
                    for name, body in answers.items()}
    return Prepared(target, cookie, request_files, answers, answer_files)


def _start(prepared: Prepared, case: Case) -> servers.Server:
    if case.server == GATEWAY:
        return servers.start_gateway(prepared.target)
    if case.server == FLOOR:
        return servers.start_floor(prepared.target)
    routes = {cases.PATHS[name]: path for name, path in prepared.answer_files.items()}
    return servers.start_ceiling(prepared.target, routes)


def run_case(prepared: Prepared, case: Case, round_no: int, options: Options,
             wrk_path: str) -> RunResult:
    target = prepared.target
    server = _start(prepared, case)
    try:
        cookie = prepared.cookie if case.server == GATEWAY else ""
        body_file = prepared.request_files[case.request]
        with open(body_file, "rb") as handle:
            got = client.post(server.base_url, case.path, handle.read(), cookie)
        if got.status != 200:
            raise cases.WrongAnswer(f"{case.label}: HTTP {got.status}: {got.body[:300]!r}")
        cases.check_same(case, prepared.answers[case.request], got.body)
        url = server.base_url + case.path
        common = dict(cookie=cookie, expect_len=len(got.body), threads=options.threads,
                      connections=options.connections)
        quiet = procstat.wait_quiet(options.quiet_pct, max_wait=options.quiet_wait)
        if options.warmup > 0:
            wrk.run(wrk_path, url, body_file, options.warmup, **common)
        before = procstat.Snapshot.take(server.pid, target.pg_dbname)
        load = wrk.run(wrk_path, url, body_file, options.duration, **common)
        after = procstat.Snapshot.take(server.pid, target.pg_dbname)
        rss = procstat.rss_mib(server.pid)
        if server.process.poll() is not None:
            raise servers.ServerError(f"{case.label} died during the run:\n{server.log_tail()}")
    finally:
        server.stop()
    usage = procstat.usage(before, after, load.cpu_ticks)
    return RunResult(target.kind, case, round_no, load, usage, rss, quiet)


def rounds(prepared: dict[str, Prepared], options: Options, wrk_path: str,
           log: Callable[[str], None]) -> list[RunResult]:
    results = []
    order = list(cases.CASES)
    for round_no in range(1, options.rounds + 1):
        shift = (round_no - 1) % len(order)
        this_round = order[shift:] + order[:shift]
        for kind, prep in prepared.items():
            for case in this_round:
                result = run_case(prep, case, round_no, options, wrk_path)
                results.append(result)
                pg = f", PG {result.pg_ms:.2f}" if result.pg_ms is not None else ""
                log(f"[{kind} r{round_no}] {case.label:<22} {result.rps:>8,.0f} req/s  "
                    f"p50 {result.load.p50_ms:6.1f} ms  p99 {result.load.p99_ms:6.1f} ms  "
                    f"errors {result.load.error_text()}  CPU {result.cpu_ms:.3f}{pg} ms/req  "
                    f"RSS {result.rss_mib:.0f} MiB  other {result.usage.other_pct:.0f}%  "
                    f"steal {result.usage.steal_pct:.0f}%")
    return results
