"""Tests for workbench.text.splitter: offsets, news rules, golden rules, properties."""

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.text.splitter import Span, Split, split_sentences, split_text

DATA = Path(__file__).parent / "data"
SEED = (DATA / "iran-iraq-military-talks.txt").read_text(encoding="utf-8")
# pySBD's 48 English Golden Rules (https://github.com/nipunsadvilkar/pySBD,
# benchmarks/english_golden_rules.py; MIT License, (c) Nipun Sadvilkar).
GOLDEN = json.loads((DATA / "golden_rules_en.json").read_text(encoding="utf-8"))["rules"]
# Golden rules we accept failing (by number).  Empty today: all 48 pass.  A new
# failure in any other case fails test_golden_rule; a fixed one fails as XPASS.
KNOWN_GOLDEN_FAILURES: frozenset[int] = frozenset()


def check_invariants(text: str, split: Split) -> None:
    """Assert the offset guarantees of split_text for ``text``."""
    prev_end = 0
    dateline_seen = False
    for i, span in enumerate(split.spans):
        assert isinstance(span, Span)
        assert span.kind in ("claim", "boilerplate")
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= prev_end
        piece = text[span.start : span.end]
        assert piece == piece.strip()
        gap = text[prev_end : span.start]
        if split.dateline is not None and prev_end <= split.dateline_span[0] < span.start:
            # The dateline prefix: before the first span, or after a leading headline.
            assert i in (0, 1)
            dateline_seen = True
            a, b = split.dateline_span
            assert text[a:b] == split.dateline
            assert not text[prev_end:a].strip()
            assert b <= span.start
            rest = text[b : span.start]
            assert any(dash in rest for dash in "-–—")
        else:
            assert not gap.strip(), (gap, text)
        prev_end = span.end
    if split.spans and split.dateline is not None:
        assert dateline_seen
    assert not text[prev_end:].strip() or (not split.spans and split.dateline is not None)
    if split.dateline is None:
        assert split.dateline_span is None
        assert split.wire_source is None
    elif split.wire_source is not None:
        # The agency is named in brackets between the place and the first span.
        after = [s.start for s in split.spans if s.start >= split.dateline_span[1]]
        prefix = text[split.dateline_span[1] : after[0] if after else len(text)]
        assert split.wire_source == split.wire_source.strip() != ""
        assert split.wire_source in prefix[prefix.index("(") :]
    assert split_sentences(text) == [text[s.start : s.end] for s in split.spans]


def texts(text: str) -> list[str]:
    return split_sentences(text)


# --------------------------------------------------------------------------- API


def test_dataclasses_are_frozen_slotted() -> None:
    span = Span(0, 1, "claim")
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 2  # type: ignore[misc]
    assert not hasattr(span, "__dict__")
    split = split_text("Hello. World.")
    assert isinstance(split.spans, tuple)
    assert not hasattr(split, "__dict__")


@pytest.mark.parametrize("text", ["", " ", "\n\n\t ", "\u2029\u3000\xa0"])
def test_empty_and_whitespace_give_no_spans(text: str) -> None:
    split = split_text(text)
    assert split == Split(None, None, ())
    assert split_sentences(text) == []


def test_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        split_text(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x02. \x7f\x1f Hello.",
        "🙂🙂. 👍🏽 Great! 🇮🇷 ok",
        "İstanbul. ß straße. Ǆ. ﬁ.",
        "a\u0301. B\u0308. \ud800 broken surrogate.",
        "\r\n\r\n. . .\r\n…\u2028—",
        ".!?…‽",
        "“”\"'«»()[]",
    ],
)
def test_odd_unicode_does_not_crash(text: str) -> None:
    check_invariants(text, split_text(text))


# ---------------------------------------------------------------------- seed article


def test_seed_article_split() -> None:
    split = split_text(SEED)
    check_invariants(SEED, split)
    assert split.dateline == "TEHRAN"
    assert split.dateline_span == (0, 6)
    spans = split.spans
    assert spans[0].start == SEED.index("General Hamed Atiyeh Khwain")
    got = [SEED[s.start : s.end] for s in spans]
    assert (
        "“We know Iraq’s security as our own security and we will stand by your country "
        "with all our power,” Baqeri told his guest."
    ) in got
    assert (
        "“Baghdad was on the verge of collapse and all our allies and friends had retreated "
        "and we found nobody else in the field except for our Iranian brothers,” General "
        "Khwain said."
    ) in got
    assert got[-2:] == [
        "SP/PA",
        "All Content by Mehr News Agency is licensed under a Creative Commons "
        "Attribution 4.0 International License.",
    ]
    assert [s.kind for s in spans[-2:]] == ["boilerplate", "boilerplate"]
    assert got[-3].endswith("Hajizadeh maintained.")
    assert all(s.kind == "claim" for s in spans[:-2])
    assert sum(s.kind == "claim" for s in spans) == 28
    assert len(spans) == 30


# ------------------------------------------------------------------------ news rules


@pytest.mark.parametrize(
    "text",
    [
        "“We know Iraq’s security as our own security and we will stand by your country with "
        "all our power,” Baqeri told his guest.",
        "“We found nobody else in the field except for our Iranian brothers,” General Khwain said.",
        '"We found nobody else in the field except for our Iranian brothers," General Khwain said.',
        "“Will Iran help Iraq?” he asked.",
        '"We will never give up!" she said.',
        "'This is great.' she said.",
        '"We will win." Baqeri said.',
        '"Why now?" Gen. Baqeri asked.',
        "“Really?!” asked the minister.",
    ],
)
def test_quote_and_attribution_stay_one_claim(text: str) -> None:
    assert texts(text + " The talks ended.") == [text, "The talks ended."]


def test_multi_sentence_quote_splits_inside_keeps_attribution() -> None:
    text = '"We are ready. We will stand by Iraq," Baqeri said. Talks ended.'
    assert texts(text) == ['"We are ready.', 'We will stand by Iraq," Baqeri said.', "Talks ended."]
    assert texts('"A. B," he said.') == ['"A. B," he said.']


def test_quote_followed_by_new_sentence_splits() -> None:
    text = '"We will win." He said nothing else. "No." The meeting ended.'
    assert texts(text) == ['"We will win."', "He said nothing else.", '"No."', "The meeting ended."]


TITLES = "Gen. Brig. Lt. Maj. Col. Capt. Adm. Sgt. Gov. Sen. Rep. Dr. Mr. Mrs. Ms. Prof. St. Mt."


@pytest.mark.parametrize("abbr", TITLES.split())
def test_titles_never_end_a_sentence(abbr: str) -> None:
    text = f"He met {abbr} Baqeri in Tehran. The talks ended."
    assert texts(text) == [f"He met {abbr} Baqeri in Tehran.", "The talks ended."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Brig. Gen. Kiomars Heidari met Lt. Col. Smith and Lt.-Gen. Jones.",
        "The U.S. Navy and the U.N. Security Council met U.K. and E.U. envoys.",
        "Use tools, e.g. hammers, i.e. simple ones, etc. and more.",
        "It was Iran vs. Iraq in the final.",
        "Apple Inc. CEO Tim Cook met Lockheed Martin Corp. Chief Executive Jim Taiclet.",
        "Nile Oil Ltd. Director Sami and Pitt, Briggs & Co. Partner Lee signed.",
        "John Smith Jr. and Tom Brown Sr. spoke.",
        "They met on Jan. 5, Feb. 6, Aug. 7, Sept. 8, Oct. 9, Nov. 10 and Dec. 11.",
        "They met in Jan. Tehran hosted, then Dec. Baghdad hosted.",
        "John F. Kennedy and George W. Bush were presidents.",
        "Growth was 3.5 percent and the team ranked No. 5 in the list.",
        "Wait... what did he say . . . about Iran … and Iraq?",
        "Read https://example.com/a.b?x=1 or mail jane.doe@example.com today.",
        "The fund holds $100.00 and 1,234.56 barrels.",
        "Roe v. Wade was cited.",
    ],
)
def test_abbreviations_numbers_ellipses_do_not_split(sentence: str) -> None:
    assert texts(sentence + " Next sentence.") == [sentence, "Next sentence."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They bought pens, paper, etc. The rest stayed.", 2),  # "etc." may end
        ("The meeting is at 10 a.m. The talks end at 5 p.m. sharp.", 2),  # a.m. + capital
        ("At 5 a.m. Mr. Smith went to the bank.", 1),  # short prefix: not an end
        ("I live in the U.S. How about you?", 2),
        ("The deal went to Pitt, Briggs & Co. It closed yesterday.", 2),
        ("Did he agree? No. The minister refused.", 3),  # "No." without a number ends
        ("We make a good team, you and I. Did you see Albert I. Jones yesterday?", 2),
        ("She has $100.00. It is in her bag.", 2),
        ("Her email is Jane.Doe@example.com. I sent her an email.", 2),
    ],
)
def test_abbreviations_that_may_end(text: str, expected: int) -> None:
    assert len(texts(text)) == expected


def test_signoff_before_licence_is_its_own_span() -> None:
    text = (
        "Iran is ready, Hajizadeh maintained. SP/PA All Content by Mehr News Agency is "
        "licensed under a Creative Commons Attribution 4.0 International License."
    )
    split = split_text(text)
    check_invariants(text, split)
    assert [(text[s.start : s.end], s.kind) for s in split.spans] == [
        ("Iran is ready, Hajizadeh maintained.", "claim"),
        ("SP/PA", "boilerplate"),
        (
            "All Content by Mehr News Agency is licensed under a Creative Commons "
            "Attribution 4.0 International License.",
            "boilerplate",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "boiler"),
    [
        ("He said it. AFP/AB", "AFP/AB"),
        ("He said it. MNA/", "MNA/"),
        ("He said it.\nMNA/5463216", "MNA/5463216"),
        (
            "He said it. (Reporting by Parisa Hafezi; Editing by William Maclean)",
            "(Reporting by Parisa Hafezi; Editing by William Maclean)",
        ),
        (
            "He said it. (Reporting by P. Hafezi in Dubai. Editing by W. Maclean)",
            "(Reporting by P. Hafezi in Dubai. Editing by W. Maclean)",
        ),
        (
            "He said it (Additional reporting by Jane Doe; Writing by John Roe)",
            "(Additional reporting by Jane Doe; Writing by John Roe)",
        ),
        ("He said it.\n\n© 2024 Reuters", "© 2024 Reuters"),
        ("He said it. All rights reserved.", "All rights reserved."),
        (
            "He said it.\nCopyright 2024 The Associated Press.",
            "Copyright 2024 The Associated Press.",
        ),
    ],
)
def test_boilerplate(text: str, boiler: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    got = [(text[s.start : s.end], s.kind) for s in split.spans]
    assert got[0][1] == "claim"
    assert got[-1] == (boiler, "boilerplate")


@pytest.mark.parametrize(
    "text",
    [
        "US/UK relations are strained, officials said.",
        "The Creative Commons licence was discussed.",
        "Reporting by the BBC showed a rise in prices.",
    ],
)
def test_not_boilerplate(text: str) -> None:
    assert [s.kind for s in split_text(text).spans] == ["claim"]


# ------------------------------------------------------------------------ paragraphs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He said so\n\nthe next paragraph", ["He said so", "the next paragraph"]),
        ("He met Gen.\n\nBaqeri left.", ["He met Gen.", "Baqeri left."]),
        ("One\r\n\r\nTwo\u2029Three\fFour", ["One", "Two", "Three", "Four"]),
        (
            "Iran, Iraq discuss ties\nThe two sides met.",
            ["Iran, Iraq discuss ties", "The two sides met."],
        ),
        ("The minister met with\nGeneral Baqeri on Monday.", None),
        ("The minister met the\ngeneral on Monday.", None),
        ("Talks went on,\nofficials said.", None),
        ("Points:\n- first point\n- second point", ["Points:", "- first point", "- second point"]),
    ],
)
def test_paragraphs_and_line_breaks(text: str, expected: list[str] | None) -> None:
    assert texts(text) == (expected if expected is not None else [text])


def test_hard_wrapped_prose_keeps_sentences_together() -> None:
    text = (
        "The Iraqi commander, for his part, highlighted significant capability of\n"
        "the Iranian Army and said the grounds for expansion of cooperation between\n"
        "the two countries are well prepared. The Iranian military is highly\n"
        "sophisticated and both sides can help improve security in the region, the\n"
        "Iraqi commander said. He met Gen.\n"
        "Baqeri on Friday."
    )
    got = texts(text)
    assert len(got) == 3
    assert got[2] == "He met Gen.\nBaqeri on Friday."


def test_one_paragraph_per_line() -> None:
    text = "Iran and Iraq met.\nThey signed a deal\nTalks resume in May.\n"
    assert texts(text) == ["Iran and Iraq met.", "They signed a deal", "Talks resume in May."]


# -------------------------------------------------------------------------- datelines


@pytest.mark.parametrize(
    ("text", "place", "first"),
    [
        ("TEHRAN - General Khwain arrived.", "TEHRAN", "General"),
        ("TEHRAN (Reuters) — Iran said.", "TEHRAN", "Iran"),
        ("WASHINGTON, March 3 (AP) — The president spoke.", "WASHINGTON", "The"),
        ("TEHRAN, Feb. 14 (MNA) – Iran said.", "TEHRAN", "Iran"),
        ("NEW YORK -- Stocks fell.", "NEW YORK", "Stocks"),
        ("BAGHDAD—Iraqi forces moved.", "BAGHDAD", "Iraqi"),
        ("  \nGAZA CITY, Gaza Strip (AP) — Strikes hit.", "GAZA CITY", "Strikes"),
    ],
)
def test_dateline(text: str, place: str, first: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    assert split.dateline == place
    a, b = split.dateline_span
    assert text[a:b] == place
    assert text[split.spans[0].start :].startswith(first)


@pytest.mark.parametrize(
    "text",
    [
        "US-Iran talks resumed.",
        "Tehran - the capital - is large.",
        "NATO - the alliance - met.",
        "The TEHRAN - BAGHDAD road.",
        "TEHRAN -",
        "IRAN-IRAQ trade grew.",
        "UN - The body met.",
    ],
)
def test_not_a_dateline(text: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    assert split.dateline is None
    assert split.spans[0].start == len(text) - len(text.lstrip())


@pytest.mark.parametrize(
    ("text", "place", "agency", "first"),
    [
        ("TEHRAN - General Khwain arrived.", "TEHRAN", None, "General"),
        ("TEHRAN — Iran said.", "TEHRAN", None, "Iran"),
        ("BAGHDAD (Reuters) - Iraqi forces moved.", "BAGHDAD", "Reuters", "Iraqi"),
        ("CAIRO (AFP) — Prices rose.", "CAIRO", "AFP", "Prices"),
        ("TEHRAN, Feb. 14 (MNA) - Iran said.", "TEHRAN", "MNA", "Iran"),
        ("NEW YORK, Jan. 5 (Reuters) - Stocks fell.", "NEW YORK", "Reuters", "Stocks"),
        ("WASHINGTON (AP) — The president spoke.", "WASHINGTON", "AP", "The"),
        ("LONDON, March 3 (AFP) – Oil prices fell.", "LONDON", "AFP", "Oil"),
        ("UNITED NATIONS (AP) — The council met.", "UNITED NATIONS", "AP", "The"),
        ("ST. LOUIS (AP) — A storm hit.", "ST. LOUIS", "AP", "A"),
        ('GENEVA (Reuters) - "We are ready," he said.', "GENEVA", "Reuters", '"We'),
        ("BEIJING, Jan 5 (Xinhua) -- China said.", "BEIJING", "Xinhua", "China"),
        (
            "DUBAI, Jan 5 (Reuters Breakingviews) - Oil fell.",
            "DUBAI",
            "Reuters Breakingviews",
            "Oil",
        ),
        ("KYIV, Ukraine, Jan. 5 ( Reuters ) - Fighting went on.", "KYIV", "Reuters", "Fighting"),
    ],
)
def test_wire_dateline_and_source(text: str, place: str, agency: str | None, first: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    assert split.dateline == place
    assert split.wire_source == agency
    assert text[split.spans[0].start :].startswith(first)


def test_no_wire_source_without_a_dateline() -> None:
    for text in ["Iran (Reuters) said so.", "He met (AP) reporters.", "The (AP) - story."]:
        split = split_text(text)
        assert split.dateline is None
        assert split.wire_source is None


# -------------------------------------------------------------------------- ellipses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He paused... Then he left.", ["He paused...", "Then he left."]),
        ("He paused… Then he left.", ["He paused…", "Then he left."]),
        ("He paused … The talks ended.", ["He paused …", "The talks ended."]),
        ("He paused . . . Baqeri left.", ["He paused . . .", "Baqeri left."]),
        ('"We will see..." Then he left.', ['"We will see..."', "Then he left."]),
        ("“We will see…” Khwain left the room.", ["“We will see…”", "Khwain left the room."]),
        (
            '"We will see..." Baqeri said. Talks ended.',
            ['"We will see..." Baqeri said.', "Talks ended."],
        ),
        ("Wait... what did he say?", ["Wait... what did he say?"]),
        ("It was … well, a surprise. It ended.", ["It was … well, a surprise.", "It ended."]),
        ("the thing is . . . I didn’t mean it.", ["the thing is . . . I didn’t mean it."]),
        (
            '"Bohr [...] used stairways [...]" (Smith 55).',
            ['"Bohr [...] used stairways [...]" (Smith 55).'],
        ),
        ("Prices rose by ... 5 percent.", ["Prices rose by ... 5 percent."]),
    ],
)
def test_ellipsis_ends_a_sentence_before_a_capital(text: str, expected: list[str]) -> None:
    assert texts(text) == expected
    check_invariants(text, split_text(text))


# -------------------------------------------------------------------------- headlines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Iran Vows Support for Iraq\nGeneral Khwain arrived in Tehran on Monday.",
            ["Iran Vows Support for Iraq", "General Khwain arrived in Tehran on Monday."],
        ),
        (
            "Iraqi Army Chief Meets Iranian Counterpart in Tehran\n"
            "Iraq's army chief met Iran's top general on Sunday, TEHRAN - the capital -\n"
            "hosting the talks.",
            [
                "Iraqi Army Chief Meets Iranian Counterpart in Tehran",
                "Iraq's army chief met Iran's top general on Sunday, TEHRAN - the capital -\n"
                "hosting the talks.",
            ],
        ),
        (
            "Iran and Iraq discuss military cooperation in Tehran talks\n"
            "The Iraqi army chief met his Iranian counterpart on Sunday in Tehran.",
            [
                "Iran and Iraq discuss military cooperation in Tehran talks",
                "The Iraqi army chief met his Iranian counterpart on Sunday in Tehran.",
            ],
        ),
        (
            "Iran and Iraq Agree to Expand Military Cooperation\n"
            "Iraq's army chief arrived in Tehran on Sunday for talks with\n"
            "Iranian commanders on border security and military training.",
            [
                "Iran and Iraq Agree to Expand Military Cooperation",
                "Iraq's army chief arrived in Tehran on Sunday for talks with\n"
                "Iranian commanders on border security and military training.",
            ],
        ),
        (
            "Headline words here\nThe minister said the talks went well.",
            ["Headline words here", "The minister said the talks went well."],
        ),
        (
            "Tehran hosts the first round of regional security talks\n"
            "A senior Iranian commander said the talks had gone well.",
            [
                "Tehran hosts the first round of regional security talks",
                "A senior Iranian commander said the talks had gone well.",
            ],
        ),
        (
            "“We Will Stand by Iraq,” Iranian Army Chief Says\n"
            "Iran's army chief pledged support for Iraq on Sunday in Tehran.",
            [
                "“We Will Stand by Iraq,” Iranian Army Chief Says",
                "Iran's army chief pledged support for Iraq on Sunday in Tehran.",
            ],
        ),
        (
            "Iran, Iraq discuss ties\nThe two sides met.\nBorder Security Talks\n"
            "Iraq's army chief said the two sides had agreed on joint border patrols.",
            [
                "Iran, Iraq discuss ties",
                "The two sides met.",
                "Border Security Talks",
                "Iraq's army chief said the two sides had agreed on joint border patrols.",
            ],
        ),
    ],
)
def test_headline_is_its_own_span(text: str, expected: list[str]) -> None:
    assert texts(text) == expected
    check_invariants(text, split_text(text))


@pytest.mark.parametrize(
    ("text", "place", "agency", "body"),
    [
        (
            "Iran Vows Support for Iraq\nTEHRAN - General Khwain arrived on Monday.",
            "TEHRAN",
            None,
            "General Khwain arrived on Monday.",
        ),
        (
            "Iraqi Army Chief Meets Iranian Counterpart in Tehran\n"
            "TEHRAN (Reuters) - Iraq's army chief met Iran's top general on Sunday.",
            "TEHRAN",
            "Reuters",
            "Iraq's army chief met Iran's top general on Sunday.",
        ),
        (
            "“We Will Stand by Iraq,” Iranian Army Chief Says\n\n"
            "WASHINGTON (AP) — Iran's army chief pledged support for Iraq.",
            "WASHINGTON",
            "AP",
            "Iran's army chief pledged support for Iraq.",
        ),
        (
            "  Stocks fall on rate fears\r\nNEW YORK, Jan. 5 (Reuters) - Stocks fell.",
            "NEW YORK",
            "Reuters",
            "Stocks fell.",
        ),
    ],
)
def test_dateline_after_a_headline(text: str, place: str, agency: str | None, body: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    assert (split.dateline, split.wire_source) == (place, agency)
    assert texts(text) == [text.strip().splitlines()[0], body]


@pytest.mark.parametrize(
    "text",
    [
        "Iran said so.\nTEHRAN - General Khwain arrived.",  # the first line is a sentence
        "The minister met with\nTEHRAN - BAGHDAD officials on Monday.",
        "Iran and Iraq met\nLater TEHRAN - General Khwain arrived.",
    ],
)
def test_no_dateline_after_a_sentence_line(text: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    assert split.dateline is None


@pytest.mark.parametrize(
    "text",
    [
        "The minister met with\nGeneral Baqeri on Monday.",
        "Talks went on,\nofficials said.",
        "The Iraqi army chief met Iranian Defence Minister Amir\n"
        "Hatami in Tehran on Sunday and discussed border security.",
        "Brigadier General Kiomars Heidari and Lieutenant General Othman\n"
        "Al-Ghanmi met in Tehran on Sunday to discuss border security.",
        "Iran will stand by Iraq, said the chief of staff of the armed forces\n"
        "Mohammad Baqeri on Sunday after meeting his Iraqi guest in Tehran.",
        "The delegation included Iranian Defence Minister Amir Hatami,\n"
        "IRGC Aerospace Force Commander Amir Ali Hajizadeh and Army\n"
        "Ground Forces Commander Kiomars Heidari, officials said.",
        "The talks ended on Monday. Iraq's army chief then met Defence\n"
        "Minister Amir Hatami and the Army Ground Forces Commander.",
        "The two sides discussed the end of the Iran-Iraq war and World War\n"
        "I in a long session that went on until late in the evening.",
    ],
)
def test_soft_wrapped_lines_stay_joined(text: str) -> None:
    split = split_text(text)
    check_invariants(text, split)
    breaks = [i for i, ch in enumerate(text) if ch == "\n"]
    assert all(any(s.start < i < s.end for s in split.spans) for i in breaks), texts(text)


# ---------------------------------------------------------------------- golden rules


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(r, marks=pytest.mark.xfail(strict=True))
        if r["number"] in KNOWN_GOLDEN_FAILURES
        else r
        for r in GOLDEN
    ],
    ids=[f"{r['number']:02d}-{r['name']}" for r in GOLDEN],
)
def test_golden_rule(rule: dict) -> None:
    got = [s.strip() for s in split_sentences(rule["text"])]
    assert got == rule["expected"]
    check_invariants(rule["text"], split_text(rule["text"]))


def test_golden_rules_score() -> None:
    assert len(GOLDEN) == 48
    failed = {
        r["number"]
        for r in GOLDEN
        if [s.strip() for s in split_sentences(r["text"])] != r["expected"]
    }
    assert len(GOLDEN) - len(failed) >= 46
    assert failed == KNOWN_GOLDEN_FAILURES


# ------------------------------------------------------------------------ properties

PIECES = st.sampled_from(
    [
        "Iran",
        "said",
        "the",
        "Baqeri",
        " ",
        "  ",
        ". ",
        ".",
        "! ",
        "? ",
        "?! ",
        "...",
        ". . . ",
        "…",
        "“",
        "”",
        '"',
        "'",
        "’",
        "(",
        ")",
        ",” he said. ",
        "Gen. ",
        "Brig. ",
        "U.S. ",
        "a.m. ",
        "e.g. ",
        "etc. ",
        "No. 5",
        "3.5",
        "1. ",
        "a. ",
        "2) ",
        "• ",
        "⁃",
        "\n",
        "\n\n",
        "\r\n",
        "\u2029",
        "\t",
        "\x0b",
        "\x1c",
        "\u2028",
        "\xa0",
        "TEHRAN - ",
        "TEHRAN (Reuters) — ",
        "WASHINGTON, March 3 (AP) — ",
        "SP/PA ",
        "MNA/",
        "All Content by Mehr News Agency is licensed under a Creative Commons License.",
        "(Reporting by X; Editing by Y)",
        "© 2024 Reuters",
        "🙂",
        "é",
        "İ",
        "ß",
        "\u0301",
        "\x00",
        "-",
        "—",
        "https://example.com/a.b. ",
    ]
)
NEWSY = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=40).map("".join)


@settings(deadline=None)
@given(st.text())
def test_property_arbitrary_text(text: str) -> None:
    check_invariants(text, split_text(text))


@settings(deadline=None)
@given(NEWSY)
def test_property_newsy_text(text: str) -> None:
    check_invariants(text, split_text(text))


@settings(deadline=None)
@given(NEWSY, NEWSY)
def test_property_paragraph_break_always_cuts(a: str, b: str) -> None:
    text = a + "\n\n" + b
    split = split_text(text)
    check_invariants(text, split)
    for span in split.spans:
        assert "\n\n" not in text[span.start : span.end]


def test_max_spans_stops_early_on_a_text_with_too_many_claims():
    """An 8.8 MB line of "Ab. " has 2.2 million claims; with a limit the splitter
    stops soon after passing it, instead of splitting all of it."""
    from workbench.text.splitter import TooManySpans

    text = "Ab. " * 200_000
    with pytest.raises(TooManySpans) as caught:
        split_text(text, max_spans=100)
    assert 100 < caught.value.at_least < 1_000
    # At or under the limit the result is the whole split, as without one.
    small = "One claim. Two claims. Three claims."
    assert split_text(small, max_spans=3) == split_text(small)
    with pytest.raises(TooManySpans):
        split_text(small, max_spans=2)


@settings(max_examples=300)
@given(st.one_of(NEWSY, st.text()), st.integers(min_value=0, max_value=30))
def test_max_spans_never_refuses_a_text_within_the_limit(text, limit):
    """The early stop counts a lower bound: it refuses exactly the texts with more spans."""
    from workbench.text.splitter import TooManySpans

    whole = split_text(text)
    if len(whole.spans) <= limit:
        assert split_text(text, max_spans=limit) == whole
    else:
        with pytest.raises(TooManySpans) as caught:
            split_text(text, max_spans=limit)
        assert limit < caught.value.at_least <= len(whole.spans)


# ------------------------------------------------ properties of the issue 10 rules

CAP_WORDS = st.sampled_from(
    ["Iran", "Iraq", "Vows", "Support", "Army", "Chief", "Meets", "Border", "Security", "Talks"]
)
SMALL_WORDS = st.sampled_from(["for", "and", "in", "of", "to"])
LOWER_WORDS = st.sampled_from(["army", "chief", "met", "his", "counterpart", "talks", "border"])
CONTINUATION = st.sampled_from(["with", "the", "of", "and", "said", "told", "between", "a"])
OPENERS = st.sampled_from(["The", "He", "She", "A", "In", "But", "According", "Meanwhile"])
ELLIPSES = st.sampled_from(["...", "…", " . . .", " …", "..", "...”", '..."'])


@st.composite
def headlines(draw) -> str:
    """A title-case headline without final punctuation ("Iran Vows Support for Iraq")."""
    words = draw(st.lists(st.one_of(CAP_WORDS, SMALL_WORDS), min_size=1, max_size=7))
    return " ".join([draw(CAP_WORDS), *words, draw(CAP_WORDS)])


def sentence(words: list[str]) -> str:
    return " ".join(words)


@settings(deadline=None)
@given(headlines(), OPENERS, NEWSY)
def test_property_headline_before_a_sentence_is_its_own_span(head, opener, rest) -> None:
    text = f"{head}\n{opener} minister said {rest}"
    split = split_text(text)
    check_invariants(text, split)
    assert text[split.spans[0].start : split.spans[0].end] == head


@settings(deadline=None)
@given(
    st.lists(LOWER_WORDS, min_size=1, max_size=12),
    CONTINUATION,
    CAP_WORDS,
    st.lists(LOWER_WORDS, max_size=12),
)
def test_property_line_ending_in_a_function_word_stays_joined(a, word, cap, b) -> None:
    text = f"The {sentence(a)} {word}\n{cap} {sentence(b)}".rstrip() + "."
    assert texts(text) == [text]


@settings(deadline=None)
@given(st.lists(LOWER_WORDS, min_size=1, max_size=8), ELLIPSES, OPENERS, LOWER_WORDS)
def test_property_ellipsis_before_a_capital_ends_the_sentence(a, ellipsis, opener, b) -> None:
    first = f"The {sentence(a)}{ellipsis}"
    second = f"{opener} {b} left."
    assert texts(f"{first} {second}") == [first, second]
    # The same ellipsis before lower case goes on.
    one = f"{first} {b} left."
    assert texts(one) == [one]


@settings(deadline=None)
@given(
    st.sampled_from(["TEHRAN", "NEW YORK", "WASHINGTON", "GAZA CITY", "ST. LOUIS"]),
    st.sampled_from(["", ", Jan. 5", ", March 3", ", Iraq", ", Iraq, Feb. 14"]),
    st.one_of(st.none(), st.sampled_from(["Reuters", "AP", "AFP", "MNA", "Thomson Reuters"])),
    st.sampled_from([" - ", " -- ", " – ", " — ", "—", "– "]),
    st.one_of(st.none(), headlines()),
    st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]),
    NEWSY,
)
def test_property_wire_dateline(place, date, agency, dash, head, lb, rest) -> None:
    bracket = f" ({agency})" if agency else ""
    body = f"The minister said {rest}"
    text = f"{place}{date}{bracket}{dash}{body}"
    if head is not None:
        text = head + lb + text
    split = split_text(text)
    check_invariants(text, split)
    assert (split.dateline, split.wire_source) == (place, agency)
    first = split.spans[0 if head is None else 1]
    assert first.start == len(text) - len(body)
    if head is not None:
        assert text[split.spans[0].start : split.spans[0].end] == head
