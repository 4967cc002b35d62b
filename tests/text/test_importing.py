"""Tests for workbench.importing: formats, encodings, rejections, and properties."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import socket
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.importing import (
    ARTICLE_FIELDS,
    SUPPORTED_EXTENSIONS,
    ArticleDraft,
    Rejection,
    UndecodableError,
    content_hash,
    decode_bytes,
    normalize_text,
    parse_file,
    parse_pasted,
    published_problem,
)

DATA = Path(__file__).parent / "data" / "import"

# Rejection reasons used more than once.
ACCEPTED = "(accepted: .txt, .md, .html, .htm, .csv, .jsonl)"
NUL_BINARY = "the file looks binary (it contains NUL bytes), not text"
UNDECODABLE = "the file could not be decoded as text in any known encoding"
WHITESPACE = "the file is empty (it contains only whitespace)"

# Examples per property test; trafilatura makes .html examples slowish.
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def only(items):
    assert len(items) == 1, items
    return items[0]


def drafts(items):
    return [item for item in items if isinstance(item, ArticleDraft)]


def rejections(items):
    return [item for item in items if isinstance(item, Rejection)]


# --------------------------------------------------------------------------
# normalize_text / content_hash
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\rc\nd", "a\nb\nc\nd"),
        ("  \n padded \t\n ", "padded"),
        ("Cafe\u0301", "Caf\u00e9"),  # NFD -> NFC
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),  # C0, DEL, C1 removed
        ("keep\ttabs\nand  inner   spaces", "keep\ttabs\nand  inner   spaces"),
        ("\ufeffstarts with a BOM", "starts with a BOM"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("e\x01\u0301", "\u00e9"),  # removal happens before NFC
        ("", ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


# Code points from the whole range, surrogates included (st.text() excludes them).
any_code_points = st.lists(st.integers(0, 0x10FFFF).map(chr), max_size=60).map("".join)


@PROPERTY
@given(st.one_of(st.text(), any_code_points))
def test_normalize_text_is_idempotent_and_encodable(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once
    once.encode("utf-8")  # no lone surrogates left


def test_content_hash_is_sha256_of_normalized_text():
    assert content_hash(" Cafe\u0301\r\n") == hashlib.sha256("Café".encode()).hexdigest()
    assert content_hash("a\r\nb") == content_hash("a\nb  ")
    assert content_hash("a") != content_hash("b")


@PROPERTY
@given(any_code_points)
def test_content_hash_never_raises(text):
    assert len(content_hash(text)) == 64


# --------------------------------------------------------------------------
# decode_bytes
# --------------------------------------------------------------------------

SAMPLE = "“Café” déjà vu — naïve résumé, l’été. Le président a déclaré."


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-16"),  # Python writes a BOM
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-32"),
        SAMPLE.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-bom", "cp1252"],
)
def test_decode_bytes_encodings(data):
    assert decode_bytes(data) == SAMPLE


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Il a dit « très bien » à l’équipe, ça va.", "cp1252"),
        ("Über die Brücke gehen Müller und Schäfer — „schön“ sagt er.", "cp1252"),
        ("café", "cp1252"),
        ("Grüße aus München, schön", "latin-1"),
        ("Rząd ogłosił nowe środki wsparcia dla gospodarki, łącznie z ulgami.", "cp1250"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda oznámila zákon.", "cp1250"),
        ("Правительство объявило о новых мерах поддержки экономики.", "cp1251"),
    ],
)
def test_decode_bytes_legacy_encodings(text, encoding):
    assert decode_bytes(text.encode(encoding)) == text


def test_decode_bytes_empty():
    assert decode_bytes(b"") == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04\x00\x00binary zip", "the file is a ZIP archive (a .docx, .xlsx, .odt"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "the file is a PDF document, not text; save"),
        (b"{\\rtf1\\ansi Hello", "the file is an RTF document, not text"),
        (b"\xff\xd8\xff\xe0\x10JFIF\x01\x02\xa3\xb4\xc5", "the file is a JPEG image, not text"),
        (b"\x1f\x8b\x08\x08\xc5\xd2\xe1\xf3", "the file is a gzip-compressed file"),
        ("no BOM".encode("utf-16-le"), NUL_BINARY),
        (b"\x01\x02\x03\x04 mostly controls", "the file looks binary (20% of its characters"),
        (bytes(range(0x80, 0x100)), UNDECODABLE),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfd", "the file starts with a UTF-8 byte-order mark but is"),
    ],
)
def test_decode_bytes_errors(data, message):
    with pytest.raises(UndecodableError) as info:
        decode_bytes(data)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------
# parse_file: file-level rejections
# --------------------------------------------------------------------------


PNG = (
    "the file is a PNG image, not text; save the article as plain text, HTML or Markdown "
    "(or a table as CSV) and import that"
)
PDF = PNG.replace("a PNG image", "a PDF document")


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("a.txt", b"", "the file is empty"),
        ("a.csv", b" \r\n\t\n", WHITESPACE),
        ("a.jsonl", b"\n\n", WHITESPACE),
        ("a.html", b"\xef\xbb\xbf  ", WHITESPACE),
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
        ("article.txt", b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n", PDF),
        ("a.md", bytes(range(0x80, 0x100)), UNDECODABLE),
        ("a.pdf", b"%PDF-1.7", f"unsupported file type '.pdf' {ACCEPTED}"),
        ("archive.tar.gz", b"x", f"unsupported file type '.gz' {ACCEPTED}"),
        ("README", b"text", f"unsupported file type: the name has no extension {ACCEPTED}"),
    ],
)
def test_file_level_rejections(filename, data, reason):
    # A PDF or an image renamed to .txt is named as what it is.
    assert only(parse_file(filename, data)) == Rejection(filename, reason)


def test_binary_by_control_characters():
    rejection = only(parse_file("a.txt", b"\x1b[1m\x01\x02\x03 text"))
    assert isinstance(rejection, Rejection)
    assert rejection.reason.startswith("the file looks binary (")
    assert rejection.reason.endswith("% of its characters are control characters), not text")


def test_oversized_file_is_rejected_before_anything_else():
    data = b"\x00" * 12_345_678  # binary *and* too big: size is reported
    assert only(parse_file("big.pdf", data)) == Rejection(
        "big.pdf", "the file is 12.3 MB, over the 10 MB limit"
    )


def test_size_limit_boundary_and_custom_limit():
    assert drafts(parse_file("a.txt", b"x" * 100, max_bytes=100))
    assert only(parse_file("a.txt", b"x" * 2_500, max_bytes=1_000)).reason == (
        "the file is 2.5 kB, over the 1 kB limit"
    )
    # When rounding would hide the difference, exact byte counts are shown.
    assert only(parse_file("a.txt", b"x" * 10_000_001)).reason == (
        "the file is 10,000,001 bytes, over the 10,000,000-byte limit"
    )


def test_extension_is_case_insensitive_and_path_is_dropped():
    draft = only(parse_file("C:\\fakepath\\Report.TXT", b"Hello"))
    assert draft == ArticleDraft(text="Hello", title="Report", source="Report.TXT")


# --------------------------------------------------------------------------
# .txt and .md
# --------------------------------------------------------------------------


def test_txt_title_is_file_stem_and_text_is_everything():
    data = b"First line\r\n\r\nSecond paragraph.  \r\n"
    draft = only(parse_file("council-vote.txt", data))
    assert draft == ArticleDraft(
        text="First line\n\nSecond paragraph.", title="council-vote", source="council-vote.txt"
    )


def test_txt_cp1252_with_curly_quotes():
    draft = only(parse_file("quote.txt", "Elle a dit “déjà” – c’est réglé.".encode("cp1252")))
    assert draft.text == "Elle a dit “déjà” – c’est réglé."


def test_txt_utf16_with_bom():
    draft = only(parse_file("u16.txt", "Grüße “aus” Köln\r\n".encode("utf-16")))
    assert draft.text == "Grüße “aus” Köln"


def test_md_heading_becomes_title():
    data = b"\n# Council approves bike lanes #\n\nThe vote was 7 to 2.\n\n## Reaction\nMixed.\n"
    draft = only(parse_file("story.md", data))
    assert draft.title == "Council approves bike lanes"
    assert draft.text == "The vote was 7 to 2.\n\n## Reaction\nMixed."


@pytest.mark.parametrize("first_line", ["## Subheading", "#NoSpace", "Plain first line"])
def test_md_without_level_one_heading_uses_file_stem(first_line):
    draft = only(parse_file("notes.md", f"{first_line}\nBody.".encode()))
    assert draft.title == "notes"
    assert draft.text == f"{first_line}\nBody."


def test_md_heading_without_text_is_rejected():
    assert only(parse_file("t.md", b"# Just a title\n\n")) == Rejection(
        "t.md", "the file has a title heading but no article text"
    )


# --------------------------------------------------------------------------
# .html
# --------------------------------------------------------------------------


def test_html_news_page_extraction():
    draft = only(parse_file("news_article.html", (DATA / "news_article.html").read_bytes()))
    assert isinstance(draft, ArticleDraft)
    assert draft.title == "Council approves new bike lanes on Main Street"
    assert draft.author == "Maria Okafor"
    assert draft.outlet == "The Riverside Gazette"
    assert draft.url == "https://gazette.example/news/2024/03/14/bike-lanes"
    assert draft.published == "2024-03-14"
    assert draft.language == "en"
    assert draft.source == "news_article.html"
    assert draft.text.startswith("The city council voted 7 to 2")  # headline not repeated
    assert "“This is about keeping people alive,” said council member Dana Reyes" in draft.text
    assert draft.text.endswith("most of it covered by a state grant.")
    for boilerplate in (
        "Subscribe",
        "Sport",
        "Most read",
        "Local bakery",
        "Privacy policy",
        "Cookie settings",
        "All rights reserved",
    ):
        assert boilerplate not in draft.text
    assert draft.text == normalize_text(draft.text)


def test_html_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert drafts(parse_file("a.html", (DATA / "news_article.html").read_bytes()))


def test_html_declared_legacy_charset():
    html = (
        '<html lang="fr"><head><meta charset="windows-1252"><title>Été</title></head>'
        "<body><article><p>Le ministre a déclaré : « L’été sera chaud » à la presse, "
        "jeudi, devant l’Assemblée réunie en séance plénière.</p></article></body></html>"
    )
    draft = only(parse_file("page.htm", html.encode("cp1252")))
    assert "« L’été sera chaud »" in draft.text
    assert draft.language == "fr"


@pytest.mark.parametrize(
    "html",
    [
        b"<html><head><title>Nothing here</title></head><body></body></html>",
        b"<html><body><script>var x = 1;</script></body></html>",
        b"<<<>>>",
    ],
)
def test_html_without_article_text_is_rejected(html):
    assert only(parse_file("x.html", html)) == Rejection(
        "x.html", "no article text found in the HTML"
    )


@pytest.mark.parametrize(
    "html",
    [
        # A page of scripts whose only "text" is a <noscript> fallback (once a 2-character article).
        b"<!DOCTYPE html><html><head><meta charset=utf-8><title>App</title>"
        b"<script src=a.js></script></head><body><noscript>no</noscript>"
        b"<script>var a = 1;</script></body></html>",
        b"<html><body><template><p>A template paragraph that is never shown, with words "
        b"enough to look like text to an extractor.</p></template></body></html>",
        b"<html><body><noscript>Please turn on JavaScript to read this article, which "
        b"needs it.</noscript><script>start()</script></body></html>",
    ],
)
def test_html_noscript_and_template_content_is_not_article_text(html):
    assert only(parse_file("x.html", html)) == Rejection(
        "x.html", "no article text found in the HTML"
    )


def test_html_noscript_and_template_are_left_out_of_a_real_article():
    page = (DATA / "news_article.html").read_text(encoding="utf-8")
    marked = page.replace(
        "<p>Construction is expected",
        "<noscript><p>NOSCRIPTMARK Turn JavaScript on to see the map of the lanes.</p>"
        "</noscript><template><p>TEMPLATEMARK A hidden paragraph of a template, with "
        "words.</p></template><p>Construction is expected",
        1,
    )
    assert marked != page
    draft = only(parse_file("news.html", marked.encode("utf-8")))
    assert isinstance(draft, ArticleDraft)
    assert "NOSCRIPTMARK" not in draft.text and "TEMPLATEMARK" not in draft.text
    assert draft.text == only(parse_file("news.html", page.encode("utf-8"))).text


# --------------------------------------------------------------------------
# .csv
# --------------------------------------------------------------------------


def test_csv_happy_path_with_metadata_and_row_numbers():
    data = (
        "\ufeffTitle,TEXT, Outlet ,author,url,published,language,section,Word Count\r\n"
        'First,"Body one, with a comma",Gazette,Ann,https://x.example/1,2024-03-14,en,Local,120\r\n'
        "\r\n"
        'Second,"Multi-line\r\nbody with ""quotes""",Herald,,,,,World,\r\n'
        "Third,Body three,,,,,,,\r\n"
    ).encode("utf-8")
    items = parse_file("articles.csv", data)
    assert items == [
        ArticleDraft(
            text="Body one, with a comma",
            title="First",
            outlet="Gazette",
            author="Ann",
            url="https://x.example/1",
            published="2024-03-14",
            language="en",
            metadata={"section": "Local", "Word Count": "120"},
            source="articles.csv row 2",
        ),
        ArticleDraft(
            text='Multi-line\nbody with "quotes"',
            title="Second",
            outlet="Herald",
            metadata={"section": "World", "Word Count": ""},
            source="articles.csv row 4",
        ),
        ArticleDraft(
            text="Body three",
            title="Third",
            metadata={"section": "", "Word Count": ""},
            source="articles.csv row 6",  # row 4 spans lines 4-5
        ),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(delimiter):
    # The delimiter is sniffed from the header line only; cells may contain all four.
    lines = [
        "title{d}text{d}note",
        'T1{d}"Body, with; all | four\tdelimiters"{d}n1',
        "T2{d}Body 2{d}",
    ]
    data = "\n".join(line.format(d=delimiter) for line in lines)
    items = parse_file("d.csv", data.encode())
    assert [d.text for d in drafts(items)] == ["Body, with; all | four\tdelimiters", "Body 2"]
    assert items[0].metadata == {"note": "n1"}


def test_csv_cp1252():
    data = "title;text\r\nÉté;“Déjà” réglé – c’est fini\r\n".encode("cp1252")
    draft = only(parse_file("legacy.csv", data))
    assert (draft.title, draft.text) == ("Été", "“Déjà” réglé – c’est fini")


def test_csv_utf16_with_bom():
    data = "text\tauthor\r\nGrüße\tJürgen\r\n".encode("utf-16")
    draft = only(parse_file("excel.csv", data))
    assert (draft.text, draft.author) == ("Grüße", "Jürgen")


@pytest.mark.parametrize("alias", ["body", "Content"])
def test_csv_text_aliases(alias):
    draft = only(parse_file("a.csv", f"title,{alias}\nT,The body\n".encode()))
    assert draft.text == "The body"
    assert draft.metadata == {}


def test_csv_text_column_wins_over_aliases():
    draft = only(parse_file("a.csv", b"body,text,content\nB,T,C\n"))
    assert draft.text == "T"
    assert draft.metadata == {"body": "B", "content": "C"}


def test_csv_missing_text_column():
    assert only(parse_file("a.csv", b"a,b\n1,2\n")) == Rejection(
        "a.csv", "the CSV has no 'text' column (columns found: a, b)"
    )


def test_csv_headerless_file_lists_shortened_first_row():
    data = ("Some headline," + "long article body " * 10 + "\n").encode()
    reason = only(parse_file("a.csv", data)).reason
    assert reason.startswith("the CSV has no 'text' column (columns found: Some headline, long")
    assert reason.endswith("…)")


def test_csv_duplicate_columns():
    assert only(parse_file("a.csv", b"text,Title,title\nx,y,z\n")) == Rejection(
        "a.csv", "the CSV has duplicate column names: title"
    )


def test_csv_unnamed_columns_get_positional_names():
    draft = only(parse_file("a.csv", b",text,\n0,Body,extra\n"))
    assert draft.metadata == {"column 1": "0", "column 3": "extra"}


def test_csv_only_empty_cells():
    assert only(parse_file("a.csv", b'"",""\r\n,\n')) == Rejection(
        "a.csv", "the CSV has no header row (every row is empty)"
    )


def test_csv_header_only():
    assert only(parse_file("a.csv", b"title,text\r\n,\r\n")) == Rejection(
        "a.csv", "the CSV has a header row but no data rows"
    )


def test_csv_empty_text_row_and_short_and_long_rows():
    data = b"title,text,note\nA,,n\nB\nC,ok\nD,ok2,n,,\nE,bad,n,surplus\n"
    assert parse_file("a.csv", data) == [
        Rejection("a.csv row 2", "row 2 has an empty 'text'"),
        Rejection("a.csv row 3", "row 3 has an empty 'text'"),
        ArticleDraft(text="ok", title="C", metadata={"note": ""}, source="a.csv row 4"),
        ArticleDraft(text="ok2", title="D", metadata={"note": "n"}, source="a.csv row 5"),
        Rejection("a.csv row 6", "row 6 has 4 cells but the header has 3 columns"),
    ]


def test_csv_text_after_closing_quote_stops_the_import():
    data = b'title,text\nA,fine\nB,"quoted" then more\nC,never read\n'
    assert parse_file("a.csv", data) == [
        ArticleDraft(text="fine", title="A", source="a.csv row 2"),
        Rejection(
            "a.csv row 3",
            "row 3 is not valid CSV: a quoted cell has more text after its closing quote "
            '(inside quotes, write a quote as ""); it and any rows after it were not imported',
        ),
    ]


def test_csv_unterminated_quote_at_end_of_file():
    items = parse_file("a.csv", b'title,text\nA,fine\nB,"never closed\nC,lost\n')
    assert items[0] == ArticleDraft(text="fine", title="A", source="a.csv row 2")
    assert items[1] == Rejection(
        "a.csv row 3",
        "row 3 is not valid CSV: a quoted cell is never closed (the file ends inside quotes); "
        "it and any rows after it were not imported",
    )


def test_csv_malformed_header():
    assert only(parse_file("a.csv", b'"title"x,text\n')) == Rejection(
        "a.csv",
        "row 1 is not valid CSV: a quoted cell has more text after its closing quote "
        '(inside quotes, write a quote as ""); it and any rows after it were not imported',
    )


# --------------------------------------------------------------------------
# .jsonl
# --------------------------------------------------------------------------


def test_jsonl_happy_path_with_metadata_stringified():
    lines = [
        {
            "text": "  First body  ",
            "Title": "First",
            "published": "2024-03-14",
            "id": 17,
            "score": 0.5,
            "paywalled": False,
            "section": None,
            "tags": ["politics", "été"],
            "extra": {"k": [1, 2]},
        },
        {"body": "Second body", "author": "Ann", "language": "en", "url": "https://x.example"},
    ]
    data = ("\n".join(json.dumps(line) for line in lines) + "\n\n").encode()
    assert parse_file("feed.jsonl", data) == [
        ArticleDraft(
            text="First body",
            title="First",
            published="2024-03-14",
            metadata={
                "id": "17",
                "score": "0.5",
                "paywalled": "false",
                "section": "",
                "tags": '["politics", "été"]',
                "extra": '{"k": [1, 2]}',
            },
            source="feed.jsonl line 1",
        ),
        ArticleDraft(
            text="Second body",
            author="Ann",
            language="en",
            url="https://x.example",
            source="feed.jsonl line 2",
        ),
    ]


def test_jsonl_scalar_known_fields_become_strings():
    draft = only(parse_file("a.jsonl", b'{"text": "t", "title": 2024, "author": null}'))
    assert (draft.title, draft.author) == ("2024", "")


def test_jsonl_line_rejections():
    lines = [
        '{"text": "good"}',
        "",
        '["an", "array"]',
        '{"text": "hell" "t": 1}',
        '"just a string"',
        '{"title": "no text"}',
        '{"text": 42}',
        '{"text": "   "}',
        '{"text": "x", "author": ["A", "B"]}',
        '{"text": "x", "Title": "a", "title": "b"}',
        "{}",
        "null",
    ]
    items = parse_file("feed.jsonl", "\r\n".join(lines).encode())
    assert items == [
        ArticleDraft(text="good", source="feed.jsonl line 1"),
        Rejection("feed.jsonl line 3", "line 3 is an array, not a JSON object"),
        Rejection(
            "feed.jsonl line 4", "line 4 is not valid JSON: Expecting ',' delimiter (column 17)"
        ),
        Rejection("feed.jsonl line 5", "line 5 is a string, not a JSON object"),
        Rejection("feed.jsonl line 6", "line 6 has no 'text' key (keys found: title)"),
        Rejection("feed.jsonl line 7", "line 7: 'text' is a number, not a string"),
        Rejection("feed.jsonl line 8", "line 8 has an empty 'text'"),
        Rejection("feed.jsonl line 9", "line 9: 'author' is an array, not a string"),
        Rejection("feed.jsonl line 10", "line 10 has duplicate keys: title"),
        Rejection("feed.jsonl line 11", "line 11 has no 'text' key (keys found: none)"),
        Rejection("feed.jsonl line 12", "line 12 is null, not a JSON object"),
    ]


def test_jsonl_pathological_values():
    lines = [
        "[" * 100_000 + "]" * 100_000,
        '{"text": "x", "n": ' + "9" * 5000 + "}",
        '{"text": "lone \\ud800 surrogate", "k\\u0000": "v\\u0000"}',
    ]
    items = parse_file("p.jsonl", "\n".join(lines).encode())
    assert [type(item) for item in items] == [Rejection, Rejection, ArticleDraft]
    assert items[0].reason == "line 1 is not valid JSON: it is nested too deeply"
    assert items[1].reason == "line 2 is not valid JSON: a number has too many digits"
    assert items[2].text == "lone \ufffd surrogate"
    assert items[2].metadata == {"k": "v"}


def test_jsonl_pretty_printed_json_document():
    data = json.dumps([{"text": "a"}, {"text": "b"}], indent=2).encode()
    assert only(parse_file("a.jsonl", data)) == Rejection(
        "a.jsonl",
        "the file is a single JSON document spread over several lines, not JSON Lines "
        "(one JSON object per line)",
    )


# --------------------------------------------------------------------------
# parse_pasted
# --------------------------------------------------------------------------


def test_parse_pasted():
    assert parse_pasted(
        "  Body\r\ntext \n", title=" T ", outlet="O", author="A", url="U", published=" 2024 "
    ) == [
        ArticleDraft(
            text="Body\ntext",
            title="T",
            outlet="O",
            author="A",
            url="U",
            published="2024",
            source="pasted text",
        )
    ]


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\ufeff"])
def test_parse_pasted_empty(text):
    assert parse_pasted(text, title="T") == [Rejection("pasted text", "the pasted text is empty")]


# --------------------------------------------------------------------------
# API shape
# --------------------------------------------------------------------------


def test_api_constants_and_dataclasses():
    assert ARTICLE_FIELDS == ("title", "outlet", "author", "url", "published", "language")
    assert SUPPORTED_EXTENSIONS == (".txt", ".md", ".html", ".htm", ".csv", ".jsonl")
    draft = ArticleDraft(text="x")
    assert draft.metadata == {} and draft.source == ""
    with pytest.raises(AttributeError):
        draft.text = "y"  # type: ignore[misc]
    assert not hasattr(draft, "__dict__")  # slots


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

json_ish = st.text(alphabet='{}[]",:\\ \ntexbodyl0129.-', max_size=200)
csv_ish = st.text(alphabet='text,title;|\t"\r\n abc\x00', max_size=200)
upload_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    st.text(max_size=100).map(lambda t: t.encode("utf-16")),
    json_ish.map(str.encode),
    csv_ish.map(str.encode),
    st.text(alphabet="<>/ahtmlbodyp= \"'\n", max_size=200).map(str.encode),
)


def assert_valid_items(items, filename):
    assert items, "parse_file must return at least one item"
    for item in items:
        assert isinstance(item, ArticleDraft | Rejection)
        assert item.source.startswith(filename)
        if isinstance(item, Rejection):
            assert item.reason and "internal error" not in item.reason
            continue
        assert item.text and item.text == normalize_text(item.text)
        for name in ARTICLE_FIELDS:
            value = getattr(item, name)
            assert isinstance(value, str) and value == normalize_text(value)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in item.metadata.items())


@PROPERTY
@given(st.sampled_from([*SUPPORTED_EXTENSIONS, ".CSV", ".pdf", ""]), upload_bytes)
def test_parse_file_never_raises(extension, data):
    filename = f"upload{extension}"
    assert_valid_items(parse_file(filename, data), filename)


@PROPERTY
@given(any_code_points, any_code_points)
def test_parse_pasted_never_raises(text, title):
    items = parse_pasted(text, title=title)
    assert len(items) == 1
    assert_valid_items(items, "pasted text")


cell = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters='\n\r\t,;|"'),
    max_size=30,
)
csv_row = st.fixed_dictionaries(
    {
        "text": cell.filter(lambda s: normalize_text(s) != ""),
        "title": cell,
        "author": cell,
        "Section": cell,
        "word count": cell,
    }
)


@PROPERTY
@given(st.lists(csv_row, min_size=1, max_size=8))
def test_csv_round_trip(rows):
    header = list(rows[0])
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    start_lines = []
    for row in rows:
        # The row starts on the line after everything written so far.
        start_lines.append(len(io.StringIO(out.getvalue(), newline="").readlines()) + 1)
        writer.writerow([row[name] for name in header])
    items = parse_file("rt.csv", out.getvalue().encode("utf-8"))
    assert len(items) == len(rows)
    for item, row, line in zip(items, rows, start_lines, strict=True):
        assert isinstance(item, ArticleDraft), item
        assert item.source == f"rt.csv row {line}"
        assert item.text == normalize_text(row["text"])
        assert item.title == normalize_text(row["title"])
        assert item.author == normalize_text(row["author"])
        assert item.metadata == {
            "Section": normalize_text(row["Section"]),
            "word count": normalize_text(row["word count"]),
        }


json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)


# Text as articles have it, as for the CSV cells above: control characters other
# than white space left out. The importer counts them to tell a binary file
# (test_binary_by_control_characters); a few in a 40-character line would make
# this small file look binary.
article_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\r\t"),
    max_size=40,
)


@PROPERTY
@given(
    article_text.filter(lambda s: normalize_text(s) != ""),
    st.dictionaries(st.sampled_from(["id", "score", "flag", "note", "x"]), json_scalar),
)
def test_jsonl_round_trip(text, extra):
    data = (
        json.dumps({"text": text, **extra}) + "\n" + json.dumps({"text": text}, ensure_ascii=False)
    )
    items = parse_file("rt.jsonl", data.encode())
    assert [item.source for item in items] == ["rt.jsonl line 1", "rt.jsonl line 2"]
    for item in items:
        assert isinstance(item, ArticleDraft)
        assert item.text == normalize_text(text)
    expected = {}
    for key, value in extra.items():
        if value is None:
            expected[key] = ""
        elif isinstance(value, str):
            expected[key] = normalize_text(value)
        else:
            expected[key] = json.dumps(value)
    assert items[0].metadata == expected


def test_a_file_name_keeps_no_character_a_database_cannot_store():
    """The name becomes the article's source and title: PostgreSQL cannot store a
    NUL, and no database an unpaired surrogate."""
    (item,) = parse_file("C:\\fakepath\\a\x00b\ud800.txt", b"Some text. More text.")
    assert isinstance(item, ArticleDraft)
    assert item.source == "ab\ufffd.txt" and item.title == "ab\ufffd"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2024-03-14",
        "2024-03-14T10:20",
        "2024-03-14T10:20:30",
        "2024-03-14T10:20:30.125Z",
        "2024-03-14 10:20:30+05:30",
        "2024-03-14T10:20:30-0400",
    ],
)
def test_an_iso_date_or_timestamp_is_a_published_date(value):
    assert published_problem(value) is None


@pytest.mark.parametrize(
    "value",
    ["June 10th", "2024", "2024-3-14", "14.03.2024", "2024-02-30", "2024-03-14T25:00", "20240314"],
)
def test_anything_else_is_not(value):
    assert value in published_problem(value)


def test_files_keep_their_published_date_as_given():
    """A file's ``published`` is kept as given (existing data has "2024" or "March
    2024"): only the paste form, whose label asks for YYYY-MM-DD, checks it."""
    (draft,) = parse_file("a.csv", b"text,published\nSome text here.,March 2024\n")
    assert draft.published == "March 2024"
