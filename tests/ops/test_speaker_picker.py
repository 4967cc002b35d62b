"""The speaker picker's search (ops.speaker_picker): folding, ranking, the roster,
merged speakers, limits, and the cached folded registry kept up to date."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

import workbench.ops.speaker_picker as picker
from tests.conftest import make_project, make_user
from workbench.errors import WorkbenchError
from workbench.importing import parse_pasted
from workbench.models import Article, HistoryEntry, Speaker, Suggestion
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.speaker_picker import add_speaker, article_roster_ids, search_speakers
from workbench.ops.speakers import (
    create_speaker,
    merge_speakers,
    registry_speaker_named,
    speaker_record,
    update_speaker,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = (
    "Hatami said the talks went well. Baqeri told reporters the plan was ready. "
    "The ministry denied it. Officials expect an agreement next year."
)


@pytest.fixture
def world(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = make_project(session, manager=mona, annotators=[ann])
    report = import_items(session, project, parse_pasted(TEXT, title="Talks"), user=None)
    article = session.get(Article, report.results[0].article_id)
    claims = active_claims(session, article)
    # The suggester's own rows are left out: each test says which speakers they name.
    session.execute(delete(Suggestion).where(Suggestion.claim_id.in_([c.id for c in claims])))
    session.flush()
    return {"project": project, "mona": mona, "ann": ann, "article": article, "claims": claims}


def names(result):
    return [hit.speaker.name for hit in result.hits]


def annotate(session, world, claim, user, **values):
    return save_annotation(
        session, world["project"], claim, user, AnnotationInput(**values), base_version=None
    )


def suggest(session, claim, speaker, field="speaker"):
    session.add(
        Suggestion(claim_id=claim.id, field=field, value=speaker.name, speaker_id=speaker.id)
    )
    session.flush()


def test_accents_and_case_are_ignored_both_ways(session, world):
    project = world["project"]
    create_speaker(session, project, "Bāqerī")
    create_speaker(session, project, "Baqeri Jr")
    for query in ("baqeri", "BAQERI", "Bāqerī", "  bAqErI "):
        assert names(search_speakers(session, project, query)) == ["Baqeri Jr", "Bāqerī"], query


def test_alias_and_title_match_and_say_what_matched(session, world):
    project = world["project"]
    create_speaker(session, project, "Mohammad Baqeri", aliases=["Bāqerī"], title="Chief of Staff")
    create_speaker(session, project, "Aziz Nasirzadeh", title="Defence Minister")
    [hit] = search_speakers(session, project, "baqeri ").hits
    assert hit.matched == "name"  # the name beats the alias at the same rank
    [hit] = search_speakers(session, project, "bāqe").hits
    assert hit.matched == "name"
    [hit] = search_speakers(session, project, "minister").hits
    assert (hit.speaker.name, hit.matched) == ("Aziz Nasirzadeh", "title: Defence Minister")
    create_speaker(session, project, "Hossein Salami", aliases=["Sardar Salami"])
    [hit] = search_speakers(session, project, "sardar").hits
    assert (hit.speaker.name, hit.matched) == ("Hossein Salami", "alias: Sardar Salami")
    assert hit.speaker.aliases == ("Sardar Salami",)


def test_a_match_at_a_word_start_ranks_above_one_inside_a_word(session, world):
    project, ann, claims = world["project"], world["ann"], world["claims"]
    inside = create_speaker(session, project, "Akhali")  # first by name, most used, roster
    create_speaker(session, project, "Mohammad Ali")
    create_speaker(session, project, "Ali Rezaei")
    create_speaker(session, project, "Nobody")
    annotate(session, world, claims[0], ann, speaker_id=inside.id)
    suggest(session, claims[1], inside)
    result = search_speakers(session, project, "ali", article=world["article"])
    assert names(result) == ["Ali Rezaei", "Mohammad Ali", "Akhali"]
    assert [h.in_roster for h in result.hits] == [False, False, True]
    # After a hyphen or an apostrophe a word starts too.
    create_speaker(session, project, "Al-Alimi")
    assert names(search_speakers(session, project, "alim"))[0] == "Al-Alimi"


def test_the_roster_ranks_first_among_equal_matches_then_use_then_name(session, world):
    project, ann, mona, claims = world["project"], world["ann"], world["mona"], world["claims"]
    used_twice = create_speaker(session, project, "Reza Amiri")
    used_once = create_speaker(session, project, "Reza Karimi")
    create_speaker(session, project, "Reza Bahrami")  # unused: by name after the used
    create_speaker(session, project, "Reza Abbasi")
    suggested = create_speaker(session, project, "Reza Zand")  # last by name, unused
    annotated = create_speaker(session, project, "Reza Yazdi")
    other = import_items(session, project, parse_pasted("Someone spoke.", title="B"), user=None)
    elsewhere = active_claims(session, session.get(Article, other.results[0].article_id))[0]
    annotate(session, world, elsewhere, ann, speaker_id=used_twice.id)
    annotate(session, world, elsewhere, mona, via_id=used_twice.id, speaker_id=used_once.id)
    suggest(session, claims[2], suggested)
    annotate(session, world, claims[1], mona, speaker_id=annotated.id)  # anyone's annotation
    result = search_speakers(session, project, "reza", article=world["article"])
    assert names(result) == [
        "Reza Yazdi",
        "Reza Zand",
        "Reza Amiri",
        "Reza Karimi",
        "Reza Abbasi",
        "Reza Bahrami",
    ]
    # Without the article there is no roster: use, then name.
    assert names(search_speakers(session, project, "reza")) == [
        "Reza Amiri",
        "Reza Karimi",
        "Reza Yazdi",
        "Reza Abbasi",
        "Reza Bahrami",
        "Reza Zand",
    ]


def test_the_roster_is_in_order_of_first_appearance(session, world):
    project, ann, claims = world["project"], world["ann"], world["claims"]
    late = create_speaker(session, project, "Late")
    early = create_speaker(session, project, "Early")
    via = create_speaker(session, project, "Tasnim", type="outlet")
    suggest(session, claims[3], late)
    suggest(session, claims[1], early)
    annotate(session, world, claims[2], ann, speaker_id=late.id, via_id=via.id)
    assert article_roster_ids(session, world["article"]) == [early.id, late.id, via.id]


def test_an_empty_query_gives_the_roster_then_the_most_used(session, world):
    project, ann, mona, claims = world["project"], world["ann"], world["mona"], world["claims"]
    popular = create_speaker(session, project, "Popular")
    create_speaker(session, project, "Aaron")
    create_speaker(session, project, "Zed")
    second = create_speaker(session, project, "Second")
    first = create_speaker(session, project, "First")
    other = import_items(session, project, parse_pasted("Someone spoke.", title="B"), user=None)
    elsewhere = active_claims(session, session.get(Article, other.results[0].article_id))[0]
    annotate(session, world, elsewhere, ann, speaker_id=popular.id)
    annotate(session, world, elsewhere, mona, speaker_id=popular.id)
    suggest(session, claims[2], second)
    suggest(session, claims[0], first)
    result = search_speakers(session, project, "", article=world["article"])
    assert names(result) == ["First", "Second", "Popular", "Aaron", "Zed"]
    assert [h.in_roster for h in result.hits] == [True, True, False, False, False]
    assert {h.matched for h in result.hits} == {""}
    assert names(search_speakers(session, project, "")) == [
        "Popular",
        "Aaron",
        "First",
        "Second",
        "Zed",
    ]


def test_merged_speakers_never_appear_their_target_does(session, world):
    project, mona, ann, claims = world["project"], world["mona"], world["ann"], world["claims"]
    short = create_speaker(session, project, "Baqeri", aliases=["The general"])
    full = create_speaker(session, project, "Mohammad Baqeri")
    suggest(session, claims[1], short)
    annotate(session, world, claims[0], ann, speaker_id=short.id)
    assert names(search_speakers(session, project, "baqeri")) == ["Baqeri", "Mohammad Baqeri"]
    merge_speakers(session, short, full, user=mona)
    for query in ("baqeri", "general"):
        result = search_speakers(session, project, query, article=world["article"])
        assert names(result) == ["Mohammad Baqeri"], query
        assert result.hits[0].in_roster
    assert names(search_speakers(session, project, "", article=world["article"])) == [
        "Mohammad Baqeri"
    ]


def test_limit_and_more(session, world):
    project = world["project"]
    for number in range(5):
        create_speaker(session, project, f"Speaker {number}")
    result = search_speakers(session, project, "speaker", limit=3)
    assert (names(result), result.more) == (["Speaker 0", "Speaker 1", "Speaker 2"], True)
    result = search_speakers(session, project, "speaker", limit=5)
    assert (len(result.hits), result.more) == (5, False)
    result = search_speakers(session, project, "", limit=4)
    assert (len(result.hits), result.more) == (4, True)
    assert search_speakers(session, project, "nobody").as_record() == {
        "speakers": [],
        "more": False,
    }


def test_other_projects_speakers_are_not_found(session, world):
    other = make_project(session, "Other", manager=world["mona"])
    create_speaker(session, other, "Hidden Person")
    create_speaker(session, world["project"], "Shown Person")
    assert names(search_speakers(session, world["project"], "person")) == ["Shown Person"]
    assert names(search_speakers(session, other, "person")) == ["Hidden Person"]


def test_the_cached_registry_follows_every_change(session, world):
    project, mona = world["project"], world["mona"]
    assert "cache" in session.info
    kept = create_speaker(session, project, "Ali Kept", title="Spokesman")
    assert names(search_speakers(session, project, "ali")) == ["Ali Kept"]
    create_speaker(session, project, "Ali New")
    assert names(search_speakers(session, project, "ali")) == ["Ali Kept", "Ali New"]
    update_speaker(
        session,
        kept,
        name="Reza Renamed",
        type="person",
        title="Envoy",
        aliases=["Ali R"],
        user=mona,
    )
    result = search_speakers(session, project, "ali")
    assert [(h.speaker.name, h.matched) for h in result.hits] == [
        ("Ali New", "name"),
        ("Reza Renamed", "alias: Ali R"),
    ]
    assert names(search_speakers(session, project, "spokesman")) == []
    assert names(search_speakers(session, project, "envoy")) == ["Reza Renamed"]
    new = session.scalars(select(Speaker).where(Speaker.name == "Ali New")).one()
    merge_speakers(session, new, kept, user=mona)
    assert names(search_speakers(session, project, "ali")) == ["Reza Renamed"]


def test_a_long_history_since_the_last_search_reads_the_registry_again(session, world, monkeypatch):
    project = world["project"]
    create_speaker(session, project, "Ali One")
    assert names(search_speakers(session, project, "ali")) == ["Ali One"]
    monkeypatch.setattr(picker, "HISTORY_TAIL_LIMIT", 0)
    create_speaker(session, project, "Ali Two")
    assert names(search_speakers(session, project, "ali")) == ["Ali One", "Ali Two"]


def test_without_a_cache_every_search_reads_the_registry(session, world, monkeypatch):
    project = world["project"]
    monkeypatch.delitem(session.info, "cache")
    create_speaker(session, project, "Ali One")
    assert names(search_speakers(session, project, "ali")) == ["Ali One"]
    create_speaker(session, project, "Ali Two")
    assert names(search_speakers(session, project, "ali")) == ["Ali One", "Ali Two"]


def test_registry_speaker_named_finds_who_a_refused_name_names(session, world):
    project, mona = world["project"], world["mona"]
    full = create_speaker(session, project, "Mohammad Baqeri", aliases=["Baqeri"])
    short = create_speaker(session, project, "General B")
    assert registry_speaker_named(session, project, ["mohammad  BAQERI"]) == full
    assert registry_speaker_named(session, project, ["Someone", " baqeri"]) == full
    assert registry_speaker_named(session, project, ["Someone", ""]) is None
    merge_speakers(session, short, full, user=mona)
    assert registry_speaker_named(session, project, ["General B"]) == full


def test_a_small_limit_keeps_the_roster_and_the_ranks(session, world):
    project, claims = world["project"], world["claims"]
    other = import_items(session, project, parse_pasted("Someone spoke.", title="B"), user=None)
    elsewhere = active_claims(session, session.get(Article, other.results[0].article_id))[0]
    users = [make_user(session, f"user{n}") for n in range(4)]
    for n, user in enumerate(users):
        speaker = create_speaker(session, project, f"Reza Used {n}")
        annotate(session, world, elsewhere, user, speaker_id=speaker.id)
    roster = create_speaker(session, project, "Reza Zz")  # unused, last by name
    create_speaker(session, project, "Moreza")  # inside a word
    suggest(session, claims[0], roster)
    result = search_speakers(session, project, "reza", article=world["article"], limit=2)
    assert (names(result), result.more) == (["Reza Zz", "Reza Used 0"], True)
    result = search_speakers(session, project, "reza", limit=5)
    assert (names(result), result.more) == (
        ["Reza Used 0", "Reza Used 1", "Reza Used 2", "Reza Used 3", "Reza Zz"],
        True,
    )
    result = search_speakers(session, project, "reza", limit=6)
    assert (names(result)[-1], result.more) == ("Moreza", False)


def _outcome(session, make, project, name, **kwargs):
    """What adding a speaker did: its record, or the refusal; undone either way."""
    savepoint = session.begin_nested()
    try:
        speaker = make(session, project, name, **kwargs)
        result = ("created", speaker_record(speaker))
    except WorkbenchError as exc:
        result = (type(exc).__name__, exc.message, exc.field)
    savepoint.rollback()
    return result


def test_add_speaker_refuses_and_records_exactly_as_create_speaker(session, world):
    project, mona = world["project"], world["mona"]
    full = create_speaker(session, project, "Mohammad Baqeri", aliases=["Baqeri", "Bāqerī"])
    assert search_speakers(session, project, "baqeri").hits  # the folded registry is cached
    assert _outcome(session, add_speaker, project, "baqeri")[0] == "Conflict"  # and casefolded
    later = create_speaker(session, project, "Ali Later", aliases=["AL"])
    short = create_speaker(session, project, "General B")
    merge_speakers(session, short, full, user=mona)
    update_speaker(
        session, later, name="Ali Renamed", type="person", title="", aliases=["Envoy"], user=mona
    )
    cases = [
        ("Mohammad Baqeri", {}),
        ("MOHAMMAD baqeri", {}),
        ("baqeri", {}),
        ("BĀQERĪ", {}),
        ("Bāqeri", {}),  # another name in any case: allowed
        ("General B", {}),  # a merged speaker's name
        ("Ali Later", {}),  # renamed since: free again
        ("al", {}),  # an alias it lost
        ("envoy", {}),  # the alias it has now
        ("Someone", {"aliases": ["ali renamed"]}),
        ("Someone", {"aliases": ["Envoy", "x"]}),
        ("Someone", {"aliases": ["Someone", " New  one "], "title": "Chief", "type": "outlet"}),
        ("", {}),
        ("Someone", {"type": "alien"}),
        ("Someone", {"aliases": ["a" * 301]}),
    ]
    for name, kwargs in cases:
        expected = _outcome(session, create_speaker, project, name, user=mona, **kwargs)
        assert _outcome(session, add_speaker, project, name, user=mona, **kwargs) == expected, (
            name,
            kwargs,
            expected,
        )
    speaker = add_speaker(session, project, "Fresh", aliases=["F"], user=mona)
    [entry] = [e for e in session.scalars(select(HistoryEntry)) if e.entity_id == speaker.id]
    assert (entry.entity, entry.action, entry.after) == (
        "speaker",
        "create",
        speaker_record(speaker),
    )
    assert names(search_speakers(session, project, "fresh")) == ["Fresh"]


@pytest.mark.parametrize("overlay", [0, 1000])
@pytest.mark.parametrize("usage_ttl", [0.0, 120.0])
def test_changes_since_the_ranked_registry_was_built_rank_as_the_others(
    session, world, monkeypatch, overlay, usage_ttl
):
    """Speakers changed since are kept apart until the registry is ranked again (after
    many changes, or new usage counts): either way they rank where they belong."""
    monkeypatch.setattr(picker, "OVERLAY_LIMIT", overlay)
    monkeypatch.setattr(picker, "USAGE_TTL", usage_ttl)
    project, ann, mona, claims = world["project"], world["ann"], world["mona"], world["claims"]
    used = create_speaker(session, project, "Reza Used")
    create_speaker(session, project, "Reza B")
    annotate(session, world, claims[0], ann, speaker_id=used.id)
    assert names(search_speakers(session, project, "reza")) == ["Reza Used", "Reza B"]
    assert names(search_speakers(session, project, "")) == ["Reza Used", "Reza B"]
    create_speaker(session, project, "Reza A")
    update_speaker(session, used, name="Reza Z", type="person", title="", aliases=[], user=mona)
    create_speaker(session, project, "Moreza")
    expected = ["Reza Z", "Reza A", "Reza B", "Moreza"]
    assert names(search_speakers(session, project, "reza")) == expected
    result = search_speakers(session, project, "reza", limit=2)
    assert (names(result), result.more) == (expected[:2], True)
    assert names(search_speakers(session, project, "")) == ["Reza Z", "Moreza", "Reza A", "Reza B"]
    assert names(search_speakers(session, project, "used")) == []
