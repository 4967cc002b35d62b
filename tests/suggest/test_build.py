"""The fast constructors give the objects the classes' own constructors give."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.suggest import build
from workbench.suggest.model import ClaimSuggestions, Evidence, Proposal, SpeakerGuess


def test_evidence_is_the_same_object():
    made = build.evidence("cue", 3, 7, "said")
    assert made == Evidence("cue", 3, 7, "said")
    assert type(made) is Evidence
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 4


def test_proposal_is_the_same_object_with_the_same_defaults():
    guess = SpeakerGuess("Amir Hatami", "person")
    full = build.proposal("speaker", "Amir Hatami", 0.9, "why", (), "cue:say", True, guess)
    assert full == Proposal("speaker", "Amir Hatami", 0.9, "why", (), "cue:say", True, guess)
    assert build.proposal("verifiability", "opinion", 0.6, "why") == Proposal(
        "verifiability", "opinion", 0.6, "why"
    )


def test_claim_is_the_same_object():
    p = Proposal("attribution", "none", 0.7, "narration")
    made = build.claim(0, 9, None, None, None, p, None)
    assert made == ClaimSuggestions(0, 9, attribution=p)
    assert list(made.proposals()) == [p]
