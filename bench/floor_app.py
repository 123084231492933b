"""Reference "database floor": the bench's search_read as hand-written SQL, bare aiohttp.

``python -m bench.floor_app --port P (--sqlite FILE | --pg-url URL) [--pool-size N]``

What a hand-tuned endpoint would do for the gateway's
``product.product.search_read`` and nothing more: parse the JSON-RPC body,
run one statement (the caller's domain, the ``active`` filter, the company
record rule and the LEFT JOIN that gives ``categ_id`` its display name),
shape the rows into Odoo's read format and encode them with orjson. It uses
the gateway's drivers the gateway's way: SQLite synchronously on the event
loop with the gateway's pragmas, PostgreSQL through an asyncpg pool of the
gateway's size (``db_maxconn``). The pool skips asyncpg's reset query
(``RESET ALL``, ``UNLISTEN *``... one more round trip per request): this app
changes no session state, and asyncpg still rolls back a stray transaction
on release; a floor must not pay for work a minimal endpoint would not do.
No session, no user lookup, no ORM: the
bench checks that its answer equals the gateway's before measuring, so the
ratio gateway / floor is the price of everything the gateway adds.
"""
from __future__ import annotations

import argparse
import logging
import sqlite3
from typing import Any, Callable

import orjson
from aiohttp import web

HEADERS = {"Content-Type": "application/json; charset=utf-8"}
PATH = "/web/dataset/call_kw/product.product/search_read"

SELECT = """
SELECT p.id, p.name, p.default_code, p.barcode, {price}, p.categ_id, c.complete_name
  FROM product_product p
  LEFT JOIN product_category c ON c.id = p.categ_id
 WHERE p.available_in_pos = {true} AND p.list_price > {param1} AND p.active = {true}
   AND (p.company_id IS NULL OR p.company_id IN ({companies}))
 ORDER BY p.name ASC NULLS LAST, p.id ASC
 LIMIT {param2}
"""
SQLITE_PRAGMAS = (("journal_mode", "wal"), ("synchronous", "normal"), ("foreign_keys", 1),
                  ("busy_timeout", 5000), ("cache_size", -16000))


def shape(rows: Any) -> list[dict[str, Any]]:
    """Rows -> Odoo's read format (NULL char -> False, many2one -> [id, name])."""
    return [{"id": r[0], "name": r[1],
             "default_code": r[2] if r[2] is not None else False,
             "barcode": r[3] if r[3] is not None else False,
             "list_price": float(r[4]) if r[4] is not None else 0.0,
             "categ_id": [r[5], r[6] or ""] if r[5] is not None else False} for r in rows]


def sqlite_sql(count: int) -> str:
    return SELECT.format(price="p.list_price", true="1", param1="?", param2="?",
                         companies=", ".join("?" * count))


def pg_sql(count: int) -> str:
    companies = ", ".join(f"${i}" for i in range(2, count + 2))
    return SELECT.format(price="p.list_price::float8", true="true", param1="$1",
                         param2=f"${count + 2}", companies=companies)


def decode(body: bytes) -> tuple[Any, float, list[int], int]:
    """(request id, price threshold, company ids, limit) from the JSON-RPC request."""
    payload = orjson.loads(body)
    params = payload["params"]
    kwargs = params["kwargs"]
    price = params["args"][0][1][2]
    return payload.get("id"), float(price), list(kwargs["context"]["allowed_company_ids"]), \
        int(kwargs["limit"])


def answer(request_id: Any, rows: Any) -> web.Response:
    body = orjson.dumps({"jsonrpc": "2.0", "id": request_id, "result": shape(rows)})
    return web.Response(body=body, headers=HEADERS)


def sqlite_app(path: str) -> web.Application:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for name, value in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {name} = {value}")
    statements: dict[int, str] = {}

    async def search_read(request: web.Request) -> web.Response:
        request_id, price, companies, limit = decode(await request.read())
        sql = statements.get(len(companies)) or statements.setdefault(
            len(companies), sqlite_sql(len(companies)))
        rows = conn.execute(sql, (price, *companies, limit)).fetchall()
        return answer(request_id, rows)

    app = web.Application()
    app.router.add_post(PATH, search_read)
    return app


def pg_app(url: str, pool_size: int) -> web.Application:
    import asyncpg

    statements: dict[int, str] = {}
    app = web.Application()
    pool_key = web.AppKey("pool", asyncpg.Pool)

    async def search_read(request: web.Request) -> web.Response:
        request_id, price, companies, limit = decode(await request.read())
        sql = statements.get(len(companies)) or statements.setdefault(
            len(companies), pg_sql(len(companies)))
        rows = await request.app[pool_key].fetch(sql, price, *companies, limit)
        return answer(request_id, rows)

    async def keep_session(conn: Any) -> None:
        """No reset query: nothing here changes the session's state."""

    async def pool(app: web.Application) -> Any:
        app[pool_key] = await asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size,
                                                  reset=keep_session)
        yield
        await app[pool_key].close()

    app.cleanup_ctx.append(pool)
    app.router.add_post(PATH, search_read)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sqlite", help="SQLite database file")
    parser.add_argument("--pg-url", help="PostgreSQL URL")
    parser.add_argument("--pool-size", type=int, default=8)
    args = parser.parse_args()
    if bool(args.sqlite) == bool(args.pg_url):
        parser.error("give exactly one of --sqlite and --pg-url")
    make: Callable[[], web.Application] = (
        (lambda: sqlite_app(args.sqlite)) if args.sqlite else
        (lambda: pg_app(args.pg_url, args.pool_size)))
    logging.basicConfig(level=logging.WARNING)
    web.run_app(make(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
