"""``/api/v1/openapi.json`` (the maintained spec, merged from gateway/api/spec/) and ``/api/v1/docs``.

The document is kept by hand in YAML files next to the handlers they describe
(no generator: aiohttp-apispec does not import with current marshmallow, and a
hand-kept spec says what the handlers promise rather than what a decorator
guessed). ``spec/base.yaml`` is the frame (info, servers, security, shared
components); every other ``spec/*.yaml``, in name order, adds ``paths`` and
``components``. Two files defining the same path+method or the same component
is an error naming both: a fragment never silently replaces another's.

The docs page is Swagger UI 5 from the ``swagger-ui-py`` package (its static
files only; ``swagger-ui-bundle`` ships Swagger UI 4, which cannot render
OpenAPI 3.1), served from this process so it works offline, with no online
validator badge; only the files the page loads are exposed, by name.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import orjson
import yaml
from aiohttp import web

from models.exceptions import MissingError

from .envelope import PREFIX

SPEC_DIR = Path(__file__).with_name("spec")
STATIC_DIR = Path(__file__).with_name("docs_static")
BASE = "base.yaml"
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
#: Top-level keys of a fragment that are not merged (a fragment may carry a header of its own).
IGNORED = frozenset({"openapi", "info"})


class SpecError(ValueError):
    """A spec file that cannot be merged: unreadable, or defining what another file defines."""


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path.name}: {exc}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise SpecError(f"{path.name}: not a mapping at the top level")
    return document


def _merge_paths(merged: dict[str, Any], owners: dict[tuple[str, str], str],
                 paths: Any, source: str) -> None:
    if not isinstance(paths, dict):
        raise SpecError(f"{source}: paths must be a mapping")
    for path, item in paths.items():
        if not isinstance(item, dict):
            raise SpecError(f"{source}: {path} must be a mapping")
        target = merged.setdefault(path, {})
        for key, value in item.items():
            # methods and path-level keys (parameters, summary...) alike: one owner each
            owner = owners.get((path, key))
            if owner is not None:
                what = key.upper() if key in METHODS else f"{key} of"
                raise SpecError(f"{what} {path} is defined in both {owner} and {source}")
            owners[(path, key)] = source
            target[key] = value


def _merge_components(merged: dict[str, Any], owners: dict[tuple[str, str], str],
                      components: Any, source: str) -> None:
    if not isinstance(components, dict):
        raise SpecError(f"{source}: components must be a mapping")
    for section, entries in components.items():
        if not isinstance(entries, dict):
            raise SpecError(f"{source}: components.{section} must be a mapping")
        target = merged.setdefault(section, {})
        for name, value in entries.items():
            owner = owners.get((section, name))
            if owner is not None:
                raise SpecError(f"components.{section}.{name} is defined in both {owner} "
                                f"and {source}")
            owners[(section, name)] = source
            target[name] = value


def merge(documents: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One document from (file name, parsed YAML) pairs, the first being the frame."""
    (base_name, base), *fragments = documents
    result = {key: value for key, value in base.items() if key not in ("paths", "components")}
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {}
    path_owners: dict[tuple[str, str], str] = {}
    component_owners: dict[tuple[str, str], str] = {}
    tags: dict[str, str] = {tag["name"]: base_name for tag in result.get("tags", [])}
    for source, document in documents:
        if source != base_name:
            unknown = sorted(key for key in document if key not in IGNORED and key not in (
                "paths", "components", "tags") and not str(key).startswith("x-"))
            if unknown:
                raise SpecError(f"{source}: only paths, components and tags are merged from "
                                f"a fragment, not {', '.join(unknown)}")
            for tag in document.get("tags") or []:
                if tag.get("name") in tags:
                    raise SpecError(f"tag {tag.get('name')} is defined in both "
                                    f"{tags[tag['name']]} and {source}")
                tags[tag["name"]] = source
                result.setdefault("tags", []).append(tag)
        _merge_paths(paths, path_owners, document.get("paths") or {}, source)
        _merge_components(components, component_owners, document.get("components") or {},
                          source)
    result["paths"] = paths
    result["components"] = components
    return result


def load_spec(directory: Path = SPEC_DIR) -> dict[str, Any]:
    """``base.yaml`` merged with every other ``*.yaml`` of ``directory``, in name order."""
    files = sorted(path for path in directory.glob("*.yaml") if path.name != BASE)
    return merge([(BASE, _read(directory / BASE))] + [(path.name, _read(path)) for path in files])


@functools.cache
def spec_bytes() -> bytes:
    """The served document, built once per process when the app is created (a broken
    fragment stops the start, naming its file)."""
    return orjson.dumps(load_spec())


def _swagger_ui_dir() -> Path:
    """The static files of swagger-ui-py, found without importing it (its package imports
    web-framework glue and Jinja that we do not use)."""
    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed")
    return Path(list(found.submodule_search_locations)[0]) / "static"


#: Files the docs page loads: URL name -> (directory getter, content type).
ASSETS: dict[str, tuple[Any, str]] = {
    "swagger-ui.css": (_swagger_ui_dir, "text/css"),
    "swagger-ui-bundle.js": (_swagger_ui_dir, "text/javascript"),
    "favicon-32x32.png": (_swagger_ui_dir, "image/png"),
    "docs.js": (lambda: STATIC_DIR, "text/javascript"),
}
#: The assets change only with the installed package: a browser may keep them a day.
ASSET_CACHE_CONTROL = "public, max-age=86400"


async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(body=spec_bytes(), content_type="application/json")


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(body=(STATIC_DIR / "docs.html").read_bytes(), content_type="text/html",
                        charset="utf-8")


async def docs_asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise MissingError("No such file")
    directory, content_type = ASSETS[name]
    return web.FileResponse(directory() / name, headers={
        "Content-Type": content_type, "Cache-Control": ASSET_CACHE_CONTROL})


#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/openapi.json", openapi_json),
    ("GET", f"{PREFIX}/docs", docs_page),
    ("GET", f"{PREFIX}/docs/assets/{{name}}", docs_asset),
]
