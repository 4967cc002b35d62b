"""Cases a probe of the suggester found (docs/suggestions.md, "Known limits" fixed)."""

from __future__ import annotations

from workbench.suggest import RegistrySpeaker, suggest_article
from workbench.suggest.mentions import Roster
from workbench.text.splitter import split_text

# ------------------------------------------------------------------ API


def test_spans_may_be_span_objects_and_outlet_and_registry_none():
    text = "Smith said the plan had failed. Prices rose."
    result = suggest_article(text, split_text(text).spans, None, outlet=None)
    assert [c.speaker.value for c in result.claims] == ["Smith", "the article"]


def test_an_alias_given_as_one_str_is_one_alias():
    r = RegistrySpeaker(name="Amir Hatami", aliases="Hatami")  # type: ignore[arg-type]
    roster = Roster((r,))
    assert roster.registry.get("Hatami") is r
    assert roster.registry.get("H") is None


def test_the_registry_index_is_built_once_per_registry():
    registry = tuple(RegistrySpeaker(name=f"Person Number{i}") for i in range(50))
    assert Roster(registry).registry is Roster(registry).registry
    assert Roster(list(registry)).registry is Roster(registry).registry
