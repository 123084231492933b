"""The rendered-SQL cache: bounded, least recently used dropped first."""
from __future__ import annotations

from models.sql_cache import SqlCache


def test_a_full_cache_drops_the_least_recently_used_tenth() -> None:
    cache = SqlCache(maxsize=10)
    renders: list[str] = []

    def render(name: str) -> tuple[str, list[object]]:
        renders.append(name)
        return f"SELECT {name}", []

    cache.fetch("hot", lambda: render("hot"))
    for index in range(9):
        cache.fetch(f"once{index}", lambda index=index: render(f"once{index}"))
        assert cache.fetch("hot", lambda: render("hot")) == ("SELECT hot", [])
    cache.fetch("new", lambda: render("new"))        # full: the oldest one-off goes, not "hot"
    assert len(cache) == 10
    assert cache.fetch("hot", lambda: render("hot")) == ("SELECT hot", [])
    assert renders.count("hot") == 1
    cache.fetch("once0", lambda: render("once0"))
    assert renders.count("once0") == 2
    assert (cache.hits, cache.misses) == (10, 12)


def test_unkeyable_statements_are_rendered_every_time() -> None:
    cache = SqlCache()
    assert cache.fetch(None, lambda: ("SELECT 1", [])) == ("SELECT 1", [])
    assert len(cache) == 0 and cache.misses == 0
