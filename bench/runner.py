"""Rounds of runs: every case once per round, each on a fresh, verified server.

Per backend, ``prepare`` builds the database, starts the gateway once to log
in (admin's Odoo session lives in the database; the waiter's REST access
token is a signed JWT that lives a day under the bench: both outlive the
process) and captures the answers every later run must reproduce. Then each
round runs every case of every backend: start the server, check its answer,
wait for the host to be quiet, warm up, wait for the server to finish the
warm-up's requests, measure with wrk while sampling /proc (until the server
has served the requests wrk left in flight), read the server's RSS, stop it.
Interleaving puts the gateway and its references under the same host
conditions; the report pairs them within a round.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Callable

from . import bus, cases, client, dataset, procstat, servers, wrk
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

    target: dataset.Target          # the Odoo cases' database (the bench's products)
    rest: dataset.Target            # the REST cases' database (the demo restaurants)
    cookie: str                     # admin's Odoo session (Cookie header value)
    bearer: str                     # the waiter's access token (Authorization header value)
    request_files: dict[str, str]   # request -> file holding the request body (or template)
    answers: dict[str, bytes]       # request -> the gateway's verified answer body
    answer_files: dict[str, str]    # request -> file holding that answer (for the ceiling)
    menu_products: int = 0          # products in the waiter's mobile menu

    def target_for(self, case: Case) -> dataset.Target:
        return self.rest if case.spec.auth == cases.BEARER else self.target


@dataclass
class RunResult:
    backend: str
    case: Case
    round: int
    load: wrk.WrkResult
    usage: procstat.Usage
    rss_mib: float
    quiet_pct: float                # host load just before the run
    server_log: str = ""            # the end of the server's log, when the run had errors
    #: Requests wrk left unanswered when it stopped (one per connection), which the server
    #: still served before the closing snapshot: their CPU is in ``usage``, so they count.
    in_flight: int = 0

    @property
    def rps(self) -> float:
        return self.load.rps

    @property
    def served(self) -> int:
        return self.load.requests + self.in_flight

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request (ms)."""
        return self.usage.server_ms / self.served if self.load.requests else 0.0

    @property
    def pg_ms(self) -> float | None:
        if self.backend != "postgresql" or self.case.server == CEILING:
            return None
        return self.usage.pg_ms / self.served if self.load.requests else 0.0


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _unique(what: str) -> str:
    """A uuid prefix no earlier request used (orders are idempotent on their uuid)."""
    return f"bench-{what}-{secrets.token_hex(4)}"


def _capture_odoo(base_url: str, cookie: str, requests: dict[str, bytes]) -> dict[str, bytes]:
    answers = {}
    for name, body in requests.items():
        first = client.post(base_url, cases.PATHS[name], body, cookie)
        second = client.post(base_url, cases.PATHS[name], body, cookie)
        cases.check_gateway_answer(name, first.json(), cases.LIMIT)
        if first.status != 200 or first.body != second.body:
            raise cases.WrongAnswer(f"the gateway's {name} answer is not stable")
        answers[name] = first.body
    return answers


def _capture_menu(base_url: str, bearer: str) -> tuple[bytes, list[dict]]:
    headers = {"Authorization": bearer}
    first = client.send(base_url, "GET", cases.PATHS[cases.MOBILE_MENU], headers=headers)
    second = client.send(base_url, "GET", cases.PATHS[cases.MOBILE_MENU], headers=headers)
    if first.status != 200:
        raise cases.WrongAnswer(f"the mobile menu answered HTTP {first.status}: "
                                f"{first.body[:300]!r}")
    menu = cases.check_menu(first.body)
    if second.status != 200 or len(first.body) != len(second.body) or \
            cases.without_timestamp(first.body) != cases.without_timestamp(second.body):
        raise cases.WrongAnswer("the gateway's mobile menu is not stable")
    return first.body, menu


def _capture_order(base_url: str, bearer: str, template: bytes, table: int) -> bytes:
    """A first new order (201), and the same uuid again: the same order, not a new one (200)."""
    body = cases.fill(template, _unique("check"), table)
    headers = {"Authorization": bearer}
    path = cases.PATHS[cases.CREATE_ORDER]
    created = client.send(base_url, "POST", path, body, headers)
    if created.status != 201:
        raise cases.WrongAnswer(f"a new order answered HTTP {created.status}: "
                                f"{created.body[:300]!r}")
    order = cases.check_order(created.body, body)
    again = client.send(base_url, "POST", path, body, headers)
    if again.status != 200 or cases.without_timestamp(again.body)["data"] != order:
        raise cases.WrongAnswer(f"an order resent with its uuid answered HTTP {again.status}, "
                                f"not the same order: {again.body[:300]!r}")
    return created.body


def prepare(kind: str, root: str, options: Options, log: Callable[[str], None]) -> Prepared:
    log(f"[{kind}] building the databases ({dataset.PRODUCTS:,} products in one restaurant; "
        f"the demo for the REST cases)")
    target = dataset.prepare(kind, root, options.pg_admin_url)
    rest = dataset.prepare_rest(kind, root, options.pg_admin_url)
    log(f"[{kind}] restaurant id {target.company_id}: {target.matching:,} products match the "
        f"domain; {len(rest.tables)} tables for the waiter's orders; capturing the "
        f"gateway's answers")
    requests = {cases.SEARCH_READ: cases.search_read_body(target.company_id),
                cases.VERSION_INFO: cases.version_info_body()}
    gateway = servers.start_gateway(target)
    try:
        cookie = client.login(gateway.base_url, dataset.BENCH_DB_NAME)
        answers = _capture_odoo(gateway.base_url, cookie, requests)
    finally:
        gateway.stop()
    gateway = servers.start_gateway(rest)
    try:
        bearer = client.api_login(gateway.base_url, dataset.WAITER, dataset.WAITER)
        answers[cases.MOBILE_MENU], menu = _capture_menu(gateway.base_url, bearer)
        if not rest.tables:
            raise cases.WrongAnswer("the waiter's restaurant has no tables")
        requests[cases.CREATE_ORDER] = cases.order_template(menu)
        answers[cases.CREATE_ORDER] = _capture_order(
            gateway.base_url, bearer, requests[cases.CREATE_ORDER], rest.tables[0])
    finally:
        gateway.stop()
    request_files = {name: _write(os.path.join(target.workdir, f"{cases.REQUESTS[name].slug}"
                                               f".request.json"), body)
                     for name, body in requests.items()}
    answer_files = {name: _write(os.path.join(target.workdir, f"{cases.REQUESTS[name].slug}"
                                              f".answer.json"), body)
                    for name, body in answers.items()}
    return Prepared(target, rest, cookie, bearer, request_files, answers, answer_files,
                    len(menu))


def _start(prepared: Prepared, case: Case) -> servers.Server:
    if case.server == GATEWAY:
        return servers.start_gateway(prepared.target_for(case))
    if case.server == FLOOR:
        return servers.start_floor(prepared.target)
    routes = [(cases.REQUESTS[name].method, cases.PATHS[name], cases.REQUESTS[name].status, path)
              for name, path in prepared.answer_files.items()]
    return servers.start_ceiling(prepared.target, routes)


def _first_answer(prepared: Prepared, case: Case, server: servers.Server,
                  headers: dict[str, str]) -> client.Answer:
    """The server's answer to one request of the case, checked against the verified one."""
    spec = case.spec
    body_file = prepared.request_files.get(case.request)
    body = None
    if body_file:
        with open(body_file, "rb") as handle:
            body = handle.read()
        if spec.per_request_body:
            body = cases.fill(body, _unique("check"), prepared.rest.tables[0])
    got = client.send(server.base_url, spec.method, case.path, body, headers)
    if got.status != spec.status:
        raise cases.WrongAnswer(f"{case.label}: HTTP {got.status}: {got.body[:300]!r}")
    cases.check_same(case, prepared.answers[case.request], got.body, body or b"")
    return got


def run_case(prepared: Prepared, case: Case, round_no: int, options: Options,
             wrk_path: str) -> RunResult:
    target = prepared.target_for(case)
    spec = case.spec
    server = _start(prepared, case)
    try:
        # the Odoo session only to the gateway (as before); the REST token to both, since it
        # is part of the phone's request (the ceiling reads it and ignores it)
        cookie = prepared.cookie if case.server == GATEWAY and spec.auth == cases.COOKIE else ""
        bearer = prepared.bearer if spec.auth == cases.BEARER else ""
        headers = {"Cookie": cookie} if cookie else {"Authorization": bearer} if bearer else {}
        got = _first_answer(prepared, case, server, headers)
        url = server.base_url + case.path
        common = dict(cookie=cookie, authorization=bearer, method=spec.method,
                      expect_status=spec.status,
                      expect_len=len(got.body) if spec.fixed_length else 0,
                      threads=options.threads, connections=options.connections,
                      timeout=spec.timeout, tables=",".join(map(str, target.tables)))
        body_file = prepared.request_files.get(case.request, "")

        def unique(what: str) -> str:
            return _unique(what) if spec.per_request_body else ""

        quiet = procstat.wait_quiet(options.quiet_pct, max_wait=options.quiet_wait)
        if options.warmup > 0:
            wrk.run(wrk_path, url, body_file, options.warmup, uuid_prefix=unique("w"), **common)
            procstat.wait_idle(server.pid)   # the warm-up's requests still in flight
        before = procstat.Snapshot.take(server.pid, target.pg_dbname)
        load = wrk.run(wrk_path, url, body_file, options.duration, uuid_prefix=unique("m"),
                       **common)
        # a slow server (a new order takes tens of ms) is still serving the requests wrk left
        # in flight; their CPU belongs to this run, so wait for them and count them
        procstat.wait_idle(server.pid)
        after = procstat.Snapshot.take(server.pid, target.pg_dbname)
        rss = procstat.rss_mib(server.pid)
        if server.process.poll() is not None:
            raise servers.ServerError(f"{case.label} died during the run:\n{server.log_tail()}")
    finally:
        server.stop()
    usage = procstat.usage(before, after, load.cpu_ticks)
    return RunResult(target.kind, case, round_no, load, usage, rss, quiet,
                     server.log_tail() if load.errors else "",
                     in_flight=options.connections if load.requests else 0)


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
                log(f"[{kind} r{round_no}] {case.label:<31} {result.rps:>8,.0f} req/s  "
                    f"p50 {result.load.p50_ms:6.1f} ms  p99 {result.load.p99_ms:6.1f} ms  "
                    f"errors {result.load.error_text()}  CPU {result.cpu_ms:.3f}{pg} ms/req  "
                    f"RSS {result.rss_mib:.0f} MiB  other {result.usage.other_pct:.0f}%  "
                    f"steal {result.usage.steal_pct:.0f}%")
                if result.server_log:
                    log(f"[{kind} r{round_no}] {case.label}: end of the server's log:\n"
                        f"{result.server_log}")
    return results


def bus_runs(targets: dict[str, dataset.Target], clients: int,
             log: Callable[[str], None]) -> list[bus.BusRun]:
    """The bus case on each backend: each kind of listener alone, then both at once
    (bench/bus.py), every run on a fresh gateway."""
    results = []
    for kind, target in targets.items():
        for label, pollers, sockets in bus.plan(clients):
            log(f"[{kind} bus] {label}: opening {pollers:,} long-polls and {sockets:,} "
                f"websockets")
            result = bus.run(target, label, pollers, sockets, log)
            results.append(result)
            log(f"[{kind} bus] {label}: {bus.describe(result)}")
            if result.errors:
                log(f"[{kind} bus] {label}: errors {result.errors}")
            if result.server_log:
                log(f"[{kind} bus] {label}: end of the gateway's log:\n{result.server_log}")
    return results
