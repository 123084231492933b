"""``python -m bench [--rounds N] [--duration S] [--backends sqlite,postgresql] [--quick]``
``python -m bench [--cases http,bus] [--bus-clients N]``
``python -m bench --profile [--profiler auto|py-spy|cprofile]``

Builds fresh databases, measures the gateway and its references in
interleaved rounds (the ``http`` cases), then how many idle bus listeners one
gateway process holds and how fast one notification reaches them (the ``bus``
case, bench/bus.py), prints the tables and rewrites the measured sections of
docs/performance.md. Exits 1 if any run had errors or wrong answers.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from . import bus, cases, dataset, machine, perfdoc, report, runner, wrk

BACKENDS = ("sqlite", "postgresql")
CASE_GROUPS = ("http", "bus")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(
        "Measure the gateway against a framework ceiling and a hand-written-SQL floor."))
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (default 1)")
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds of measurement per run (default 10; 3 with --quick)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds of warm-up load per run (default 3; 1 with --quick)")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated: sqlite,postgresql (default both)")
    parser.add_argument("--quick", action="store_true", help="short runs, for trying the bench")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG),
                        help="PostgreSQL admin URL; the bench (re)creates its own database "
                             f"'{dataset.BENCH_DB_NAME}' there (env BENCH_PG_URL)")
    parser.add_argument("--connections", type=int, default=64, help="wrk -c (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--quiet-wait", type=float, default=None,
                        help="at most this many seconds to wait for a quiet host before a run "
                             "(default 10; 5 with --quick)")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory and the PostgreSQL database")
    parser.add_argument("--cases", default=",".join(CASE_GROUPS),
                        help="comma-separated: http (the request cases), bus (idle listeners "
                             "and one notification's fan-out); default both")
    parser.add_argument("--bus-clients", type=int, default=None,
                        help="long-pollers and websockets the bus case opens, each "
                             f"(default {bus.CLIENTS_TARGET:,}; 1,000 with --quick)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the gateway under the search_read load instead")
    parser.add_argument("--profiler", choices=("auto", "py-spy", "cprofile"), default="auto",
                        help="with --profile: py-spy (sampling, installed from PyPI if missing), "
                             "cprofile, or auto (py-spy if it can be had, else cProfile)")
    parser.add_argument("--top", type=int, default=25, help="with --profile: functions to list")
    parser.add_argument("--native", action="store_true",
                        help="with --profile and py-spy: also sample C/Cython frames "
                             "(asyncpg's protocol, aiohttp's HTTP parser)")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in args.backends if b not in BACKENDS]
    if unknown or not args.backends:
        parser.error(f"unknown backend(s) {unknown}; choose from {', '.join(BACKENDS)}")
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if not args.cases or any(c not in CASE_GROUPS for c in args.cases):
        parser.error(f"--cases: choose from {', '.join(CASE_GROUPS)}")
    if args.bus_clients is None:
        args.bus_clients = 1_000 if args.quick else bus.CLIENTS_TARGET
    if args.bus_clients < 1:
        parser.error("--bus-clients must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0)
    args.quiet_wait = args.quiet_wait if args.quiet_wait is not None else (
        5.0 if args.quick else 10.0)
    return args


def log(message: str) -> None:
    print(message, flush=True)


def results_section(args: argparse.Namespace, argv: list[str], facts: list[tuple[str, str]],
                    runs: list[runner.RunResult], rows: list[report.Row],
                    menu_products: int) -> str:
    return "\n\n".join([
        "## Results",
        f"Measured {perfdoc.now()} with {perfdoc.command(argv)}: {args.rounds} round(s), "
        f"{args.duration:g} s per run after a {args.warmup:g} s warm-up, "
        f"`wrk -t{args.threads} -c{args.connections} --latency`; medians over rounds, ratios "
        f"paired within a round. CPU per request also counts the requests wrk left in flight "
        f"when it stopped (one per connection), which the server finishes before the closing "
        f"snapshot. \"vs db floor by CPU\" is the floor's CPU per request "
        f"(server + PostgreSQL) over the gateway's, the steadier capacity ratio on a busy host. "
        f"\"other load\" is host CPU used by processes outside the bench during the run "
        f"(% of one core): above {report.NOISY_PCT:.0f} % the run was disturbed.",
        f"The REST rows are the phone of the demo's waiter (`{dataset.WAITER}`, Bistro "
        f"Centrale's whole POS menu: {menu_products} products) with a Bearer access token, "
        f"rate limits off: "
        f"`{cases.REQUESTS[cases.MOBILE_MENU].method} {cases.PATHS[cases.MOBILE_MENU]}` (the "
        f"whole menu, checked equal to the captured answer but for the envelope's `timestamp`) "
        f"and `{cases.REQUESTS[cases.CREATE_ORDER].method} {cases.PATHS[cases.CREATE_ORDER]}`, "
        f"where every request creates a new order (its own `uuid`: three lines, "
        f"{cases.GUESTS} guests, the next of the restaurant's tables, kept as a draft as a "
        f"waiter sends it to the kitchen; every answer must be a 201; an answer slower than "
        f"{cases.REQUESTS[cases.CREATE_ORDER].timeout:g} s is a timeout, 2 s elsewhere). "
        f"Their ceiling answers the captured bytes (and status) to the same request; they "
        f"have no db floor.",
        machine.facts_table(facts),
        report.results_table(rows),
        "Targets:\n\n" + report.targets(rows),
        "<details><summary>Every run</summary>\n\n" + report.runs_table(runs) + "\n\n</details>",
    ])


def bus_section(args: argparse.Namespace, argv: list[str], facts: list[tuple[str, str]],
                runs: list[bus.BusRun]) -> str:
    runs_text = report.bus_errors(runs)
    return "\n\n".join(part for part in [
        "## Bus: idle listeners and one notification",
        f"Measured {perfdoc.now()} with {perfdoc.command(argv)}, {args.bus_clients:,} clients "
        f"of each kind (bench/bus.py). Each run starts a fresh `gateway serve` (one process, "
        f"`longpolling_timeout` {bus.LONGPOLL_TIMEOUT} s so the long-pollers stay idle) and "
        f"opens its clients from load processes of their own ({bus.PER_PROCESS:,} clients "
        f"each): raw HTTP/1.1 `POST /longpolling/poll` long-pollers and aiohttp websockets "
        f"that send Odoo's `subscribe`, all public (no session) on the channel "
        f"`{bus.CHANNEL}` from the newest id. RSS is the gateway's, idle after one request "
        f"of each kind, then with every client connected (KB per client = the difference "
        f"over the clients held). Then the bench's own process commits one "
        f"`{bus.EVENT}` through `models.bus.send` in a unit of work, as another process "
        f"would: the gateway hears it by LISTEN/NOTIFY on PostgreSQL; on SQLite only at its "
        f"safety poll, set to {bus.SQLITE_POLL:g} s for the run, which its figures include. "
        f"Latency is each client's arrival (`time.time()` in the load process) minus the "
        f"moment the commit returned, so it includes the load processes' own reading on "
        f"the same two cores; \"gateway CPU\" is the gateway's CPU time from the commit to "
        f"the last arrival (the fan-out's own cost, the steadier figure), \"load CPU\" the "
        f"load processes' over the same time, \"other load\" what processes outside the "
        f"bench used then (% of one core; above {report.NOISY_PCT:.0f} % the run was "
        f"disturbed). \"both\" holds the two kinds at once, "
        f"as many as the hard limit on open files ({bus.combined_size(10 ** 9):,} each here, "
        f"one descriptor per client) allows.",
        machine.facts_table(facts),
        report.bus_table(runs),
        "Targets:\n\n" + report.bus_targets(runs),
        ("Errors:\n\n" + runs_text) if runs_text else "",
    ] if part)


def measure(args: argparse.Namespace, argv: list[str], root: str, wrk_path: str) -> int:
    options = runner.Options(
        backends=args.backends, rounds=args.rounds, duration=args.duration, warmup=args.warmup,
        threads=args.threads, connections=args.connections, pg_admin_url=args.pg_url,
        quiet_wait=args.quiet_wait)
    generator = wrk.wrk_version(wrk_path) if wrk_path else \
        "bench/bus.py load processes (asyncio protocols)"
    facts = machine.facts(generator, args.pg_url, "postgresql" in args.backends)
    failed = False
    prepared: dict[str, runner.Prepared] = {}
    if "http" in args.cases:
        prepared = {kind: runner.prepare(kind, root, options, log) for kind in args.backends}
        runs = runner.rounds(prepared, options, wrk_path, log)
        rows = report.summarise(runs)
        print()
        print(report.results_table(rows))
        print()
        print(report.targets(rows))
        if not args.no_doc:
            path = perfdoc.update("results", results_section(
                args, argv, facts, runs, rows, max(p.menu_products for p in prepared.values())))
            print(f"\nwrote {os.path.relpath(path)}")
        failed = report.failed(rows)
    if "bus" in args.cases:
        targets = {kind: prepared[kind].target if kind in prepared
                   else dataset.prepare(kind, root, args.pg_url) for kind in args.backends}
        bus_runs = runner.bus_runs(targets, args.bus_clients, log)
        print()
        print(report.bus_table(bus_runs))
        print()
        print(report.bus_targets(bus_runs))
        if not args.no_doc:
            path = perfdoc.update("bus", bus_section(args, argv, facts, bus_runs))
            print(f"\nwrote {os.path.relpath(path)}")
        failed = failed or any(run.error_count for run in bus_runs)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if "postgresql" in args.backends:
        problem = dataset.pg_problem(args.pg_url)
        if problem:
            print(f"bench: PostgreSQL is not reachable at {args.pg_url} ({problem}); start it, "
                  "pass --pg-url, or measure SQLite only with --backends sqlite", file=sys.stderr)
            return 2
    wrk_path = wrk.ensure_wrk() if args.profile or "http" in args.cases else ""
    root = tempfile.mkdtemp(prefix="gateway-bench-")
    try:
        if args.profile:
            from . import profiling
            return profiling.main(args, argv, root, wrk_path, log)
        return measure(args, argv, root, wrk_path)
    finally:
        if args.keep:
            log(f"kept {root}" + (f" and databases {dataset.BENCH_DB_NAME}, "
                                  f"{dataset.REST_DB_NAME}"
                                  if "postgresql" in args.backends else ""))
        else:
            shutil.rmtree(root, ignore_errors=True)
            for name in (dataset.BENCH_DB_NAME, dataset.REST_DB_NAME):
                if "postgresql" not in args.backends:
                    break
                try:
                    dataset.drop_pg_database(args.pg_url, name)
                except Exception as exc:  # cleanup must not hide the run's own outcome
                    log(f"could not drop {name}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
