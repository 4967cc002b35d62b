"""The save's Core look-up of the speaker the page offered for a suggestion gives what
the page's own ORM look-up gives (``registry_speaker_for``), in every registry situation."""

from __future__ import annotations

import pytest

from tests.conftest import make_project, make_user
from workbench.merges import MergeCycle
from workbench.models import Speaker, SpeakerAlias
from workbench.ops.annotations import offered_speaker_id
from workbench.ops.speaker_choice import registry_speaker_for
from workbench.ops.speakers import create_speaker, merge_speakers

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _both(session, project, speaker_id, name):
    page = registry_speaker_for(session, project, speaker_id, name)
    session.flush()
    core = offered_speaker_id(session.connection(), project.id, speaker_id, name)
    return (page.id if page is not None else None), core


@pytest.fixture
def registry(session):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    other = make_project(session, "Other", manager=mona)
    speakers = {
        "smith": create_speaker(session, project, "John Smith", aliases=["Smithy"]),
        "doe": create_speaker(session, project, "Jane Doe", aliases=["JD", "The Minister"]),
        "roe": create_speaker(session, project, "Jim Roe"),
        "old": create_speaker(session, project, "J. Smith", aliases=["Old Alias"]),
        # The name of one is the alias of another: the name wins.
        "named": create_speaker(session, project, "Spokesman"),
        "aliased": create_speaker(session, project, "Ali Spoke", aliases=["Spokes man"]),
        "stranger": create_speaker(session, other, "John Smith"),
    }
    create_speaker(session, project, "Press")
    # The registry's forms refuse an alias that names another speaker; older data
    # (and merges) can still hold one, so these are written directly.
    shared = [(speakers["roe"], "The Minister")]
    for n in range(3):  # more speakers with an alias than the look-up's LIMIT
        shared.append((create_speaker(session, project, f"Press Office {n}"), "Press"))
    for speaker, alias in shared:
        session.add(SpeakerAlias(speaker_id=speaker.id, alias=alias))
    merge_speakers(session, speakers["old"], speakers["smith"], user=mona)
    session.flush()
    return project, speakers


CASES = [
    ("no speaker, no name", None, ""),
    ("a name nobody has", None, "Nobody Known"),
    ("a name", None, "Jane Doe"),
    ("a name typed with extra spaces", None, "  Jane   Doe "),
    ("a name in another case", None, "jane doe"),
    ("an alias only one speaker has", None, "JD"),
    ("an alias two speakers share", None, "The Minister"),
    ("the name of a merged speaker", None, "J. Smith"),
    ("the alias of a merged speaker", None, "Old Alias"),
    ("a name that is also others' alias", None, "Press"),
    ("the linked speaker", "doe", "Jane Doe"),
    ("a linked speaker merged away", "old", "J. Smith"),
    ("a linked speaker of another project", "stranger", "John Smith"),
    ("a link to no speaker", 999_999, "Jane Doe"),
]


@pytest.mark.parametrize(("case", "linked", "name"), CASES, ids=[c[0] for c in CASES])
def test_the_save_finds_the_speaker_the_page_offered(session, registry, case, linked, name):
    project, speakers = registry
    speaker_id = speakers[linked].id if isinstance(linked, str) else linked
    page, core = _both(session, project, speaker_id, name)
    assert core == page


def test_the_cases_cover_a_found_and_a_missing_speaker(session, registry):
    project, speakers = registry
    found = {_both(session, project, None, name)[1] for _, _, name in CASES}
    assert None in found and speakers["doe"].id in found and speakers["smith"].id in found


def test_a_merge_cycle_is_refused_as_the_page_refuses_it(session, registry):
    project, speakers = registry
    # A damaged chain: the kept speaker points back at the one merged into it.
    session.get(Speaker, speakers["smith"].id).merged_into_id = speakers["old"].id
    session.flush()
    with pytest.raises(MergeCycle):
        registry_speaker_for(session, project, None, "J. Smith")
    with pytest.raises(MergeCycle):
        offered_speaker_id(session.connection(), project.id, None, "J. Smith")
