"""``python -m bench [--rounds N] [--duration S] [--backends sqlite,postgresql] [--quick]``
``python -m bench --profile [--profiler auto|py-spy|cprofile]``

Builds fresh databases, measures the gateway and its references in
interleaved rounds, prints the table and rewrites the measured sections of
docs/performance.md. Exits 1 if any run had errors or wrong answers.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from . import cases, dataset, machine, perfdoc, report, runner, wrk

BACKENDS = ("sqlite", "postgresql")
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


def measure(args: argparse.Namespace, argv: list[str], root: str, wrk_path: str) -> int:
    options = runner.Options(
        backends=args.backends, rounds=args.rounds, duration=args.duration, warmup=args.warmup,
        threads=args.threads, connections=args.connections, pg_admin_url=args.pg_url,
        quiet_wait=args.quiet_wait)
    prepared = {kind: runner.prepare(kind, root, options, log) for kind in args.backends}
    runs = runner.rounds(prepared, options, wrk_path, log)
    rows = report.summarise(runs)
    facts = machine.facts(wrk.wrk_version(wrk_path), args.pg_url, "postgresql" in args.backends)
    print()
    print(report.results_table(rows))
    print()
    print(report.targets(rows))
    if not args.no_doc:
        path = perfdoc.update("results", results_section(
            args, argv, facts, runs, rows, max(p.menu_products for p in prepared.values())))
        print(f"\nwrote {os.path.relpath(path)}")
    return 1 if report.failed(rows) else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if "postgresql" in args.backends:
        problem = dataset.pg_problem(args.pg_url)
        if problem:
            print(f"bench: PostgreSQL is not reachable at {args.pg_url} ({problem}); start it, "
                  "pass --pg-url, or measure SQLite only with --backends sqlite", file=sys.stderr)
            return 2
    wrk_path = wrk.ensure_wrk()
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
