"""render(parse(text)) == text, byte for byte, and render → parse of new entries gives their fields back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimwatch.awesome import Entry, parse, render
from mimwatch.awesome.edit import add_entries

from .conftest import DEC_LIST, MAY_LIST, VARIANTS, variant_of


@pytest.mark.parametrize("path", [MAY_LIST, DEC_LIST], ids=["may-2023-inline", "dec-2023-br"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_real_lists_round_trip_byte_for_byte(path, variant):
    text = variant_of(path.read_text(encoding="utf-8"), variant)
    doc = parse(text)
    assert render(doc) == text
    assert len(doc.entries) == (140 if path == MAY_LIST else 217)


def test_crlf_list_parses_to_the_same_entries(dec_text):
    lf = parse(dec_text)
    crlf = parse(dec_text.replace("\n", "\r\n"))
    assert [e.fields for e in crlf.entries] == [e.fields for e in lf.entries]
    assert crlf.newline == "\r\n" and lf.newline == "\n"


@pytest.mark.parametrize(
    "text", ["", "\n", "# Title\n", "no newline", "* a bullet\n* another\n", "```\n* **X**<br>\n```\n"]
)
def test_odd_small_texts_round_trip(text):
    assert render(parse(text)) == text


HOST_LISTS = {
    "br": (
        "# List\n\n## Methods\n\n"
        "* **An Existing Paper**<br>\n*Ann Author, Ben Author*<br>\n"
        "ArXiv'2022 [[Paper](https://arxiv.org/abs/2201.00001)]\n[[Code](https://github.com/a/b)]\n\n"
        "* **Another Paper**<br>\n*Cee Author*<br>\nCVPR'2023 [[Paper](https://arxiv.org/abs/2301.00002)]\n\n"
        "## Contribution\n"
    ),
    "inline": (
        "# List\n\n## Methods\n\n"
        "* **EP**: Ann Author, Ben Author.\n"
        "   - An Existing Paper. [[ArXiv'2022](https://arxiv.org/abs/2201.00001)] [[code](https://github.com/a/b)]\n"
        "* Cee Author.\n   - Another Paper. [[CVPR'2023](https://arxiv.org/abs/2301.00002)]\n\n"
        "## Contribution\n"
    ),
}

# Letters from several scripts plus the characters that mean something in Markdown or HTML.
_TEXT_ALPHABET = st.sampled_from(
    list("abcxyzABCXYZ0129 -:,.?!'\"&/()") + list("[]*|<>`_\\#") + list("éüßøçñÆŁŽ李王Ωλдж")
)
_words = st.text(_TEXT_ALPHABET, min_size=1, max_size=60).map(lambda s: " ".join(s.split())).filter(bool)
_names = _words.map(lambda s: s.replace(",", "")).map(lambda s: " ".join(s.split())).filter(bool)
# An explicit ASCII alphabet: the default (every UTF-8 character) makes Hypothesis test all of Unicode against the
# codec once per fresh example database, seconds of a first run (a clean clone, CI).
_URL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789.-_:/"
_urls = st.from_regex(r"https://(github\.com|gitlab\.com)/[a-z][a-z0-9-]{0,10}/[a-z][a-z0-9._-]{0,10}", fullmatch=True,
                      alphabet=_URL_ALPHABET)  # fmt: skip


def entries(fmt: str) -> st.SearchStrategy[Entry]:
    return st.builds(
        Entry,
        title=_words,
        authors=st.lists(_names, min_size=1, max_size=4).map(tuple),
        venue=st.sampled_from(["ArXiv", "CVPR", "NeurIPS", "ICLR", "TPAMI"]),
        year=st.integers(2015, 2026),
        paper_url=st.builds("https://arxiv.org/abs/{}.{}".format, st.integers(1501, 2512), st.integers(10000, 99999)),
        code_url=st.none() | _urls,
        # The <br> format keeps an abbreviation only in its figure's <summary>: no figure, no abbreviation.
        abbreviation=st.none() | _names if fmt == "inline" else st.none(),
    )


# Built once: a strategy made afresh for every example is validated afresh too.
ENTRIES = {fmt: entries(fmt) for fmt in HOST_LISTS}


@pytest.mark.parametrize("fmt", ["br", "inline"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_entries_survive_render_then_parse(fmt, data):
    entry = data.draw(ENTRIES[fmt])
    host = parse(HOST_LISTS[fmt])
    edited = add_entries(host, "Methods", [entry])
    assert len(edited.entries) == 3
    back = edited.entries[-1]
    assert back.fields == entry.fields
    assert back.arxiv_id == entry.arxiv_id
    assert back.format == fmt
    # The host's own entries are untouched, and the edited text round-trips too.
    assert [e.raw for e in edited.entries[:2]] == [e.raw for e in host.entries]
    assert render(parse(render(edited))) == render(edited)


@pytest.mark.parametrize("fmt", ["br"])
@settings(max_examples=50, deadline=None)
@given(abbreviation=_names, image=st.just("https://user-images.githubusercontent.com/1/fig.png"))
def test_br_entry_with_figure_keeps_its_abbreviation(fmt, abbreviation, image):
    entry = Entry(
        title="A Paper",
        authors=("Ann Author",),
        venue="ICCV",
        year=2023,
        paper_url="https://arxiv.org/abs/2301.00003",
        abbreviation=abbreviation,
        image_url=image,
    )
    back = add_entries(parse(HOST_LISTS[fmt]), "Methods", [entry]).entries[-1]
    assert back.fields == entry.fields
