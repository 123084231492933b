"""Medians, paired ratios and the verdict on the targets, as Markdown tables.

Ratios are paired: each round's gateway figure is divided by its reference
from the same round (and backend), and the table shows the median of those
ratios, so host drift between rounds cancels out (the baseline's method).
Next to the req/s ratio to the floor stands the CPU ratio (the floor's
server + PostgreSQL CPU per request over the gateway's): on a saturated,
shared host that is the steadier estimate of the same capacity ratio.
The tables are Markdown so the same text goes to the terminal and to
docs/performance.md.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Iterable

from .bus import CLIENTS_TARGET, LATENCY_TARGET_S, RSS_TARGET_MB, BusRun
from .cases import CASES, CEILING, FLOOR, GATEWAY, SEARCH_READ, Case
from .runner import RunResult

#: search_read through the gateway must reach this share of the hand-written-SQL floor.
FLOOR_TARGET = 0.70
#: Real Odoo answers this search_read at about 80/s on this kind of box; we aim 25x that.
ODOO_RPS = 80
ODOO_FACTOR = 25
RPS_TARGET = ODOO_RPS * ODOO_FACTOR
#: "other load" (% of one core) above which a run counts as disturbed.
NOISY_PCT = 10.0


def _median(values: Iterable[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


@dataclass
class Row:
    backend: str
    case: Case
    runs: list[RunResult]
    vs_ceiling: float | None
    vs_floor: float | None
    #: The floor's CPU per request (app + PostgreSQL) over the gateway's: the capacity ratio
    #: the RPS ratio converges to on a saturated host, and much steadier under noise.
    vs_floor_cpu: float | None = None

    def med(self, get: Callable[[RunResult], float | None]) -> float | None:
        return _median(get(run) for run in self.runs)

    @property
    def rps(self) -> float:
        return self.med(lambda r: r.rps) or 0.0

    @property
    def errors(self) -> int:
        return sum(run.load.errors for run in self.runs)

    def error_text(self) -> str:
        if not self.errors:
            return "0"
        return "; ".join(run.load.error_text() for run in self.runs if run.load.errors)


def _paired(runs: list[RunResult], backend: str, case: Case, reference: Case) -> float | None:
    ratios = []
    for run in runs:
        if run.backend != backend or run.case != case:
            continue
        ref = next((r for r in runs if r.backend == backend and r.case == reference
                    and r.round == run.round), None)
        if ref is not None and ref.rps:
            ratios.append(run.rps / ref.rps)
    return _median(ratios)


def _total_cpu(run: RunResult) -> float:
    return run.cpu_ms + (run.pg_ms or 0.0)


def _paired_cpu(runs: list[RunResult], backend: str, case: Case, reference: Case) -> float | None:
    ratios = []
    for run in runs:
        if run.backend != backend or run.case != case or not _total_cpu(run):
            continue
        ref = next((r for r in runs if r.backend == backend and r.case == reference
                    and r.round == run.round), None)
        if ref is not None:
            ratios.append(_total_cpu(ref) / _total_cpu(run))
    return _median(ratios)


def summarise(runs: list[RunResult]) -> list[Row]:
    rows = []
    for backend in dict.fromkeys(run.backend for run in runs):
        for case in CASES:
            mine = [run for run in runs if run.backend == backend and run.case == case]
            if not mine:
                continue
            vs_ceiling = (None if case.server == CEILING else
                          _paired(runs, backend, case, Case(case.request, CEILING)))
            vs_floor = (_paired(runs, backend, case, Case(SEARCH_READ, FLOOR))
                        if case == Case(SEARCH_READ, GATEWAY) else None)
            vs_floor_cpu = (_paired_cpu(runs, backend, case, Case(SEARCH_READ, FLOOR))
                            if vs_floor is not None else None)
            rows.append(Row(backend, case, mine, vs_ceiling, vs_floor, vs_floor_cpu))
    return rows


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _pct(value: float | None) -> str:
    """A share; one decimal below 10 % (a new order is well under 1 % of its ceiling)."""
    if value is None:
        return "–"
    return f"{value * 100:.1f} %" if value < 0.1 else f"{value * 100:.0f} %"


def results_table(rows: list[Row]) -> str:
    lines = [
        "| backend | case | runs | RPS (min–max) | p50 ms | p99 ms | errors | RSS MiB "
        "| CPU ms/req | PG CPU ms/req | other load | vs ceiling | vs db floor | "
        "vs db floor by CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        rps = [run.rps for run in row.runs]
        spread = f" ({min(rps):,.0f}–{max(rps):,.0f})" if len(rps) > 1 else ""
        lines.append(
            f"| {row.backend} | {row.case.label} | {len(row.runs)} | {row.rps:,.0f}{spread} "
            f"| {_num(row.med(lambda r: r.load.p50_ms), '.1f')} "
            f"| {_num(row.med(lambda r: r.load.p99_ms), '.1f')} | {row.error_text()} "
            f"| {_num(row.med(lambda r: r.rss_mib), '.0f')} "
            f"| {_num(row.med(lambda r: r.cpu_ms), '.3f')} "
            f"| {_num(row.med(lambda r: r.pg_ms), '.3f')} "
            f"| {_num(row.med(lambda r: r.usage.other_pct), '.0f')} % "
            f"| {_pct(row.vs_ceiling)} | {_pct(row.vs_floor)} | {_pct(row.vs_floor_cpu)} |")
    return "\n".join(lines)


def targets(rows: list[Row]) -> str:
    """One line per target and backend: the figure, and whether it is met."""
    lines = []
    for row in rows:
        if row.case != Case(SEARCH_READ, GATEWAY):
            continue
        ok = row.vs_floor is not None and row.vs_floor >= FLOOR_TARGET
        lines.append(f"* {row.backend}: search_read at **{_pct(row.vs_floor)}** of the "
                     f"hand-written-SQL floor's req/s (target ≥ {FLOOR_TARGET:.0%}): "
                     f"{'met' if ok else 'NOT met'}; by CPU per request (server"
                     f"{' + PostgreSQL' if row.backend == 'postgresql' else ''}): "
                     f"{_pct(row.vs_floor_cpu)}")
        ok = row.rps >= RPS_TARGET
        lines.append(f"* {row.backend}: search_read at **{row.rps:,.0f} req/s** = "
                     f"{row.rps / ODOO_RPS:.1f}× real Odoo's ~{ODOO_RPS}/s (aim {ODOO_FACTOR}× = "
                     f"{RPS_TARGET:,}/s): {'met' if ok else 'NOT met'}")
    noisy = [run for row in rows for run in row.runs if run.usage.other_pct > NOISY_PCT]
    if noisy:
        worst = max(run.usage.other_pct for run in noisy)
        lines.append(f"* **noise**: in {len(noisy)} of {sum(len(row.runs) for row in rows)} runs, "
                     f"processes outside the bench used more than {NOISY_PCT:.0f} % of a core "
                     f"(up to {worst:.0f} %): absolute req/s are depressed; trust the paired "
                     f"ratios and CPU per request more, and re-run on a quiet host")
    errors = sum(row.errors for row in rows)
    lines.append(f"* errors and timeouts over all runs: **{errors}** (must be 0)")
    return "\n".join(lines)


def runs_table(runs: list[RunResult]) -> str:
    """Every run, in the order they ran (for checking the noise)."""
    lines = ["| round | backend | case | RPS | p50 ms | p99 ms | errors | CPU ms/req "
             "| PG ms/req | RSS MiB | load before | other load | steal |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append(
            f"| {run.round} | {run.backend} | {run.case.label} | {run.rps:,.0f} "
            f"| {run.load.p50_ms:.1f} | {run.load.p99_ms:.1f} | {run.load.error_text()} "
            f"| {run.cpu_ms:.3f} | {_num(run.pg_ms, '.3f')} | {run.rss_mib:.0f} "
            f"| {run.quiet_pct:.0f} % | {run.usage.other_pct:.0f} % "
            f"| {run.usage.steal_pct:.0f} % |")
    return "\n".join(lines)


def failed(rows: list[Row]) -> bool:
    """Whether any run had errors (the bench then exits non-zero)."""
    return any(row.errors for row in rows)


# -- the bus case ------------------------------------------------------------------------

def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.0f}"


def _mb(mib: float) -> float:
    """MiB (what /proc says) to MB (what the target says)."""
    return mib * 1.048576


def bus_table(runs: list[BusRun]) -> str:
    lines = [
        "| backend | run | long-polls held | websockets held | connect s | RSS idle MB "
        "| RSS held MB | KB per client | commit ms | received | commit→first ms "
        "| p50 ms | p99 ms | commit→last ms | gateway CPU ms | load CPU ms | other load "
        "| errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        per = run.kib_per_client
        lines.append(
            f"| {run.backend} | {run.label} | {run.polls_held:,} / {run.pollers:,} "
            f"| {run.sockets_held:,} / {run.sockets:,} | {run.connect_s:.1f} "
            f"| {_mb(run.rss_idle_mib):.0f} | {_mb(run.rss_held_mib):.0f} "
            f"| {_num(None if per is None else per * 1.024, '.1f')} | {run.commit_ms:.1f} "
            f"| {run.received:,} | {_ms(run.quantile(0.0))} | {_ms(run.quantile(0.5))} "
            f"| {_ms(run.quantile(0.99))} | {_ms(run.last_s)} | {run.fanout_cpu_ms:,.0f} "
            f"| {run.clients_cpu_ms:,.0f} | {run.other_pct:.0f} % | {run.error_count} |")
    return "\n".join(lines)


def bus_targets(runs: list[BusRun]) -> str:
    """The issue's three bus targets per run, each with its figure and verdict."""
    lines = []
    for run in runs:
        rss = _mb(run.rss_held_mib)
        held = []
        if run.pollers:
            held.append(f"{run.polls_held:,} long-pollers")
        if run.sockets:
            held.append(f"{run.sockets_held:,} websockets")
        full = all(count >= CLIENTS_TARGET for count, asked in
                   ((run.polls_held, run.pollers), (run.sockets_held, run.sockets)) if asked)
        ok = full and rss < RSS_TARGET_MB and not run.error_count
        lines.append(
            f"* {run.backend}, {run.label}: **{' + '.join(held)}** held by one process at "
            f"**{rss:,.0f} MB** resident (target {CLIENTS_TARGET:,} each under "
            f"{RSS_TARGET_MB} MB): "
            f"{'met' if ok else 'NOT met' if full else 'not measured at full size'}")
        last = run.last_s
        size = run.polls_held + run.sockets_held
        fast = last is not None and last < LATENCY_TARGET_S and run.received == size
        if run.pollers and run.sockets:
            verdict = f"for reference ({size:,} clients, not the target's {CLIENTS_TARGET:,})"
        elif size >= CLIENTS_TARGET:
            verdict = "met" if fast else "NOT met"
        else:
            verdict = f"measured at {size:,} clients, not at {CLIENTS_TARGET:,}"
        lines.append(
            f"* {run.backend}, {run.label}: commit → last of {run.received:,} receiving "
            f"**{_ms(last)} ms** (p50 {_ms(run.quantile(0.5))}, p99 "
            f"{_ms(run.quantile(0.99))}; target under {LATENCY_TARGET_S * 1000:,.0f} ms for "
            f"{CLIENTS_TARGET:,}): {verdict}")
    noisy = [run for run in runs if run.other_pct > NOISY_PCT]
    if noisy:
        lines.append(f"* **noise**: in {len(noisy)} of {len(runs)} runs, processes outside the "
                     f"bench used more than {NOISY_PCT:.0f} % of a core during the fan-out (up "
                     f"to {max(run.other_pct for run in noisy):.0f} %): latencies are inflated; "
                     f"the gateway's CPU time is the steadier figure")
    errors = sum(run.error_count for run in runs)
    lines.append(f"* bus errors (clients that failed to connect or did not receive): "
                 f"**{errors}** (must be 0)")
    return "\n".join(lines)


def bus_errors(runs: list[BusRun]) -> str:
    return "\n".join(f"* {run.backend}, {run.label}: {count} × {text}"
                     for run in runs for text, count in run.errors.items())
