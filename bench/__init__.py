"""``python -m bench``: the gateway against plain-aiohttp references, same run, same machine.

Absolute requests per second on the shared 2-vCPU box swing by ±30 %
between runs (``/work/shared/perf-baseline.md``), so a number alone says
little. Every figure here is measured next to its references, interleaved
in rounds, and reported as a ratio:

* the **gateway** (``gateway serve`` as a real process) answering a
  ``search_read`` of 80 products and ``version_info`` (Odoo face), and the
  waiter's phone on the REST API: ``GET /api/v1/products/mobile`` and
  ``POST /api/v1/orders`` (a new order per request);
* the **framework ceiling**: a bare aiohttp process answering the exact bytes
  the gateway answered (``ceiling_app.py``);
* the **database floor**: a bare aiohttp process running the same query as
  hand-written SQL through the same driver (``floor_app.py``).

Modules, in the order a run uses them: ``dataset`` (build the databases),
``servers`` (start and stop processes), ``client`` (log in, capture answers),
``cases`` (what is requested and what must come back), ``wrk`` (load),
``procstat`` (CPU and memory from /proc), ``runner`` (rounds), ``report``
(medians and ratios), ``machine`` (the facts printed with the numbers),
``perfdoc`` (docs/performance.md), ``profiling`` (``--profile``).
"""
