"""The OpenAPI document of the REST API, its docs page, and a property-based run against it.

* the merged document is valid OpenAPI 3.1 (openapi-spec-validator);
* it documents every route of the app under ``/api/v1`` and ``/health``, and
  nothing the app does not route;
* ``/api/v1/docs`` loads only files the gateway serves itself;
* schemathesis sends well over a thousand generated requests (valid and
  invalid: boundary values, wrong types, huge numbers, odd unicode) to a live
  server, as the Bistro manager and without a token, and none may answer 5xx.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

import schemathesis
from gateway.api import openapi
from gateway.api.openapi import SpecError, load_spec
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests import conftest
from tests.conftest import LiveServer

SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
#: Requests the property-based run must send at least, over all operations.
MIN_REQUESTS = 1000


def _documented(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in spec["paths"].items()
            for method in item if method.upper() in METHODS}


def _routed(app: Any) -> set[tuple[str, str]]:
    """(method, path) of the app's REST routes, ``{id:\\d+}`` written ``{id}``."""
    found = set()
    for route in app.router.routes():
        path = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", route.resource.canonical)
        if route.method in METHODS and (path == "/health" or path.startswith("/api/v1/")):
            found.add((route.method, path))
    return found


# -- the document -----------------------------------------------------------------------------

def test_document_is_valid_openapi_31() -> None:
    spec = load_spec()
    assert spec["openapi"].startswith("3.1.")
    validate(spec, cls=OpenAPIV31SpecValidator)
    for name in ("Error", "Envelope", "PaginationMeta"):
        assert name in spec["components"]["schemas"]
    for name in ("Unauthorized", "Forbidden", "NotFound", "ValidationFailed", "Conflict",
                 "TooManyRequests"):
        assert name in spec["components"]["responses"]
    assert {"Page", "PerPage"} <= set(spec["components"]["parameters"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"


@SQLITE
def test_every_route_is_documented_and_every_documented_route_exists(app: Any) -> None:
    documented, routed = _documented(load_spec()), _routed(app)
    missing, extra = sorted(routed - documented), sorted(documented - routed)
    assert not missing, f"routes missing from gateway/api/spec/*.yaml: {missing}"
    assert not extra, f"documented operations the app does not route: {extra}"


def _write(directory: Path, name: str, document: dict[str, Any]) -> None:
    (directory / name).write_text(yaml.safe_dump(document), encoding="utf-8")


BASE = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {"Error": {"type": "object"}}}}


@pytest.mark.parametrize("fragments, message", [
    ({"x.yaml": {"paths": {"/a": {"get": {"responses": {}}}}}},
     "GET /a is defined in both base.yaml and x.yaml"),
    ({"x.yaml": {"paths": {"/b": {"post": {"responses": {}}}}},
      "y.yaml": {"paths": {"/b": {"post": {"responses": {}}}}}},
     "POST /b is defined in both x.yaml and y.yaml"),
    ({"x.yaml": {"components": {"schemas": {"Error": {}}}}},
     "components.schemas.Error is defined in both base.yaml and x.yaml"),
    ({"x.yaml": {"components": {"responses": {"R": {}}}},
      "y.yaml": {"components": {"responses": {"R": {}}}}},
     "components.responses.R is defined in both x.yaml and y.yaml"),
    ({"x.yaml": {"servers": []}}, "x.yaml: only paths, components and tags"),
    ({"x.yaml": "- a list"}, "x.yaml: not a mapping"),
])
def test_merge_refuses_what_two_files_define(tmp_path: Path, fragments: dict[str, Any],
                                             message: str) -> None:
    _write(tmp_path, "base.yaml", BASE)
    for name, document in fragments.items():
        if isinstance(document, str):
            (tmp_path / name).write_text(document, encoding="utf-8")
        else:
            _write(tmp_path, name, document)
    with pytest.raises(SpecError) as raised:
        load_spec(tmp_path)
    assert message in str(raised.value)


def test_merge_joins_methods_of_one_path_from_two_files(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", BASE)
    _write(tmp_path, "b.yaml", {"openapi": "3.1.0", "paths": {"/a": {"post": {"responses": {}}}},
                                "components": {"schemas": {"BThing": {"type": "string"}}}})
    merged = load_spec(tmp_path)
    assert set(merged["paths"]["/a"]) == {"get", "post"}
    assert set(merged["components"]["schemas"]) == {"Error", "BThing"}
    assert merged["info"] == BASE["info"]


# -- the served document and the docs page ----------------------------------------------------

class _Loads(HTMLParser):
    """The URLs a page makes the browser load: scripts, stylesheets and icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = {"script": "src", "link": "href", "img": "src", "iframe": "src"}.get(tag)
        if key and values.get(key):
            self.urls.append(values[key])  # type: ignore[arg-type]


@SQLITE
async def test_openapi_json_and_docs_page_are_served_locally(client: Any) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == load_spec()

    response = await client.get("/api/v1/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    parser = _Loads()
    parser.feed(page)
    assert len(parser.urls) >= 3
    base = str(response.url)
    for url in parser.urls:
        target = urlsplit(urljoin(base, url))
        assert target.netloc == urlsplit(base).netloc, f"{url} is loaded from another host"
        asset = await client.get(target.path)
        assert asset.status == 200, url
        body = await asset.read()
        assert body
        if target.path.endswith(".js"):
            assert asset.content_type == "text/javascript"
            # our own script fetches nothing from anywhere but this server
            if target.path.endswith("/docs.js"):
                assert not re.search(rb"https?://", body)
        elif target.path.endswith(".css"):
            assert asset.content_type == "text/css"

    response = await client.get("/api/v1/docs/assets/..%2Fopenapi.py")
    assert response.status == 404


# -- property-based run -----------------------------------------------------------------------

@pytest.fixture
def fuzz_server(db: "conftest.TestDatabase") -> Iterator[LiveServer]:
    """A live server whose rate limits never answer before the handlers do; a per-address
    login cooldown would refuse the throwaway logins of the logout cases."""
    config = db.config.replace(rate_limit_per_minute=1_000_000,
                               rate_limit_login_per_minute=1_000_000,
                               login_ip_cooldown_after=0)
    server = LiveServer(config).start()
    try:
        yield server
    finally:
        server.stop()


def _login(session: requests.Session, url: str, login: str) -> str:
    response = session.post(f"{url}/api/v1/auth/login",
                            json={"username": login, "password": login}, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["access_token"])


#: Operations that would end the session whose token they carry: each case logs in afresh
#: (as a user the generated logins never name), so the manager's token lives on.
SESSION_ENDING = {("POST", "/api/v1/auth/logout")}
#: Requests aimed at over the whole run, shared out evenly between the operations so the
#: run takes about as long however many routes there are.
TARGET_REQUESTS = 2000


def _coverage_cases(schema: Any, operation: Any, limit: int) -> list[Any]:
    """Schemathesis' coverage phase: boundary values, wrong types, missing and unexpected
    parts, other methods; the first ``limit`` of them."""
    cases = []
    for case in schema.iter_coverage_cases(
            operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation)):
        cases.append(case)
        if len(cases) >= limit:
            break
    return cases


@SQLITE
def test_no_generated_request_is_a_server_error(fuzz_server: LiveServer) -> None:
    url = fuzz_server.url
    session = requests.Session()
    manager = {"Authorization": f"Bearer {_login(session, url, 'manager')}"}
    schema = schemathesis.openapi.from_dict(load_spec())
    sent = 0
    errors: list[str] = []
    statuses: Counter[tuple[str, int]] = Counter()
    mismatches: list[str] = []
    core_paths = set(yaml.safe_load((openapi.SPEC_DIR / "core.yaml").read_text())["paths"])

    def send(case: Any) -> None:
        nonlocal sent
        key = (case.method.upper(), case.operation.path)
        if key in SESSION_ENDING:
            headers = {"Authorization": f"Bearer {_login(session, url, 'porto.waiter2')}"}
        elif sent % 5 == 4:      # a fifth of the calls carry no token: 401 (or a public answer)
            headers = {"Authorization": ""}
        else:
            headers = manager
        response = case.call(base_url=url, session=session, headers=headers, timeout=30)
        sent += 1
        statuses[(f"{case.method} {case.operation.path}", response.status_code)] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
            server_error = response.status_code >= 500
        except FailureGroup:
            server_error = True
        if server_error:
            token = "manager" if headers is manager else "none" if not headers[
                "Authorization"] else "throwaway"
            body = None if isinstance(case.body, NotSet) else case.body
            errors.append(f"{response.status_code} {case.method} {response.request.url} "
                          f"token={token} body={body!r}")
            return
        if case.operation.path in core_paths:      # our own part of the spec tells the truth
            try:
                case.validate_response(response, checks=[response_schema_conformance])
            except FailureGroup as failure:
                mismatches.append(f"{case.method} {response.request.url} -> "
                                  f"{response.status_code}: {failure.message[:2000]}")

    operations = [result.ok() for result in schema.get_all_operations()]
    share = -(-TARGET_REQUESTS // len(operations))
    for operation in operations:
        started, before = time.perf_counter(), sent
        for case in _coverage_cases(schema, operation, share // 2):
            send(case)
        left = share - (sent - before)
        # fuzzing: valid data (past validation, into the models) and invalid data
        for mode, examples in ((GenerationMode.POSITIVE, left - left // 3),
                               (GenerationMode.NEGATIVE, left // 3)):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=max(examples, 1), derandomize=True, database=None,
                      deadline=None, suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                send(case)

            try:
                run()
            except Unsatisfiable:   # nothing invalid to send (an operation without inputs)
                assert mode is GenerationMode.NEGATIVE
        print(f"{operation.method.upper()} {operation.path}: {sent - before} requests "
              f"in {time.perf_counter() - started:.2f} s")

    print("\n".join(f"{op} {status}: {n}" for (op, status), n in sorted(statuses.items())))
    print("SENT", sent)
    assert errors == [], "\n".join(errors)
    assert sent >= MIN_REQUESTS
    assert mismatches == [], "answers that core.yaml misdescribes:\n" + "\n".join(mismatches)
    # the manager's token was never revoked by the run: authenticated routes were exercised
    assert session.get(f"{url}/api/v1/auth/me", headers=manager, timeout=30).status_code == 200


# -- server errors found by fuzzing, fixed: regression rows -----------------------------------

#: (method, path, JSON body or None, expected status, field named in field_errors or None).
#: NUL characters were 500s on PostgreSQL (it refuses them in text); the last day there is
#: as ``date_to`` overflowed the day after it.
REGRESSIONS = [
    ("GET", "/api/v1/orders?date_to=9999-12-31", None, 200, None),
    ("GET", "/api/v1/orders?date_from=9999-12-31&date_to=9999-12-31", None, 200, None),
    ("GET", "/api/v1/products?q=%00", None, 422, "q"),
    ("GET", "/api/v1/products?barcode=a%00", None, 422, "barcode"),
    ("GET", "/api/v1/orders?status=paid%00", None, 422, "status"),
    ("GET", "/api/v1/products/barcode/%00", None, 404, None),
    ("POST", "/api/v1/auth/login", {"username": "manager\x00", "password": "x"}, 422,
     "username"),
    ("POST", "/api/v1/auth/login", {"email": "a\x00@example.com", "password": "x"}, 422,
     "email"),
    ("POST", "/api/v1/auth/refresh", {"refresh_token": "\x00"}, 422, "refresh_token"),
    ("POST", "/api/v1/auth/logout", {"refresh_token": "x\x00"}, 422, "refresh_token"),
    ("POST", "/api/v1/products", {"name": "Tea\x00"}, 422, "name"),
    ("POST", "/api/v1/products", {"name": "Tea", "barcode": "\x00"}, 422, "barcode"),
    ("PATCH", "/api/v1/products/{product}", {"default_code": "\x00"}, 422, "default_code"),
    ("POST", "/api/v1/orders", {"uuid": "\x00", "lines": [{"product_id": 1}]}, 422, "uuid"),
    ("POST", "/api/v1/orders", {"uuid": "n1", "lines": [{"product_id": 1, "note": "\x00"}]},
     422, "lines[0].note"),
    ("POST", "/api/v1/orders/{order}/lines", {"product_id": 1, "note": "a\x00"}, 422, "note"),
    ("POST", "/api/v1/orders/{order}/status", {"kitchen_status": "\x00"}, 422,
     "kitchen_status"),
    ("POST", "/api/v1/products", {"name": "x", "n\x00": 1}, 422, "n\\0"),
]


async def test_fuzzer_findings_answer_4xx(client: Any, orm: Any) -> None:
    """Each row once, on both backends (the NUL rows failed on PostgreSQL only)."""
    response = await client.post("/api/v1/auth/login",
                                 json={"username": "manager", "password": "manager"})
    headers = {"Authorization": f"Bearer {(await response.json())['data']['access_token']}"}

    async def first(env: Any, model: str, domain: list[Any]) -> int:
        return (await env[model].search(domain, limit=1))[0]

    ids = {"product": await orm.run(lambda env: first(env, "product.product", []),
                                    login="manager"),
           "order": await orm.run(lambda env: first(env, "pos.order", [("state", "=", "paid")]),
                                  login="manager")}
    for method, path, body, status, field in REGRESSIONS:
        url = path.format(**ids)
        response = await client.request(method, url, headers=headers,
                                        **({} if body is None else {"json": body}))
        answer = await response.json()
        assert response.status == status, (method, url, body, answer)
        if field is not None:
            assert answer["error"]["code"] == "VALIDATION_ERROR"
            assert field in answer["error"]["field_errors"], (url, body, answer)
