"""The three sibling lists' dialects: lossless round trip, find, lint and fix, and edits pinned by exact diffs."""

from __future__ import annotations

import difflib
import functools
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimwatch.awesome import AwesomeList, Entry, Link, parse, render
from mimwatch.awesome.dialects.table import cells
from mimwatch.awesome.edit import add_entries, update_entry
from mimwatch.awesome.lint import fix, lint

from .conftest import VARIANTS, variant_of

OTHER = Path(__file__).parent / "data" / "other-lists"
LISTS = {
    "one-line": OTHER / "edisonleeeee-excerpt.md",
    "table": OTHER / "ucasligang-excerpt.md",
    "nested": OTHER / "jason718-excerpt.md",
}
ENTRIES = {"one-line": 31, "table": 29, "nested": 19}


def text_of(name: str) -> str:
    return LISTS[name].read_text(encoding="utf-8")


@functools.cache
def parsed(name: str) -> AwesomeList:
    """Each list parsed once (a parsed list is immutable: edits return a new one)."""
    return parse(text_of(name))


def diff(before: str, after: str) -> str:
    """The changed lines only, as `-old` / `+new`."""
    return "".join(line for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
                   if line[:1] in "+-" and not line.startswith(("+++", "---")))  # fmt: skip


@pytest.mark.parametrize("name", sorted(LISTS))
@pytest.mark.parametrize("variant", VARIANTS)
def test_each_list_round_trips_byte_for_byte(name, variant):
    text = variant_of(text_of(name), variant)
    doc = parse(text)
    assert render(doc) == text
    assert len(doc.entries) == ENTRIES[name] and {e.format for e in doc.entries} == {name}
    assert doc.entry_format == name
    if "crlf" in variant:
        assert [e.fields for e in doc.entries] == [e.fields for e in parse(text_of(name)).entries]


def test_entries_are_read_field_by_field():
    mae = parse(text_of("one-line")).find(arxiv_id="2111.06377")
    assert mae.title == "Masked Autoencoders Are Scalable Vision Learners"  # the 🔥 badge is not the title
    assert mae.code_url == "https://github.com/FlyEgle/MAE-pytorch"
    assert mae.other_links == (Link("code", "https://github.com/pengzhiliang/MAE-pytorch"),)
    assert mae.authors[:2] == ("Kaiming He", "Xinlei Chen") and mae.section == "Vision"

    table = parse(text_of("table"))
    vit = table.find(arxiv_id="2010.11929")
    assert (vit.date, vit.abbreviation, vit.venue, vit.year) == ("2020-10-22", "ViT", "ICLR", 2021)
    assert vit.code_url == "https://github.com/google-research/vision_transformer" and vit.section == "Backbone models."
    assert table.find(arxiv_id="2104.03602").code_url is None  # `None` in the Code column
    assert table.find(arxiv_id="2208.00173").section == "Survey."  # a table without Method and Code columns

    nested = parse(text_of("nested"))
    barlow = nested.find(arxiv_id="2103.03230")
    assert barlow.section == "Image Representation Learning"  # not "2021": years are not sections
    assert barlow.code_url == "https://github.com/facebookresearch/barlowtwins" and barlow.venue is None
    pixpro = nested.find(arxiv_id="2011.10043")
    assert (pixpro.venue, pixpro.year, pixpro.authors[-1]) == ("CVPR", 2021, "Han Hu")
    assert nested.sections == ("Theory", "Survey", "Image Representation Learning", "Video Representation Learning",
                               "Robotics")  # fmt: skip


@pytest.mark.parametrize(("name", "arxiv_id", "title", "author"), [
    ("one-line", "2201.13100", "adversarial masking for self supervised learning", "Yuge Shi"),
    ("table", "2111.09886", "SimMIM: a simple framework for masked image modeling!", "Zhenda Xie"),
    ("nested", "2207.09158", "FedX: Unsupervised Federated Learning with Cross-Knowledge Distillation", "Sungwon Han"),
])  # fmt: skip
def test_find_by_arxiv_id_any_version_and_by_fuzzy_title(name, arxiv_id, title, author):
    doc = parse(text_of(name))
    by_id = doc.find(arxiv_id=arxiv_id + "v3")
    assert by_id is not None and doc.find(title=title, authors=(author,)) == by_id


def test_lint_reports_each_dialects_problems_with_their_lines():
    one_line = text_of("one-line").replace(
        "+ [A Mask-Based Adversarial Defense Scheme](https://arxiv.org/abs/2204.11837) Weizhen Xu",
        "+ [A Mask-Based Adversarial Defense Scheme](arxiv.org/abs/2204.11837) Weizhen Xu")
    got = {(p.line, p.code) for p in lint(parse(one_line))}
    assert (16, "malformed-link") in got
    assert (52, "unreadable-entry") in got  # `+ [Survey] [Title](link)`: kept, reported
    table = text_of("table") + (
        "2023-05-01|CVPR 2023|[Masked Autoencoders Are Scalable Vision Learners](https://arxiv.org/abs/2111.06377)\n"
        "2023-05-02|CVPR 2023|[A Row With A Cell Too Many](https://arxiv.org/abs/2305.00002)|None\n")
    table = table.replace("|ICML 2020|", "||")
    got = {(p.line, p.code, p.message) for p in lint(parse(table))}
    assert (11, "missing-field", "entry 'Generative Pretraining from Pixels' has no venue'year") in got
    assert (76, "duplicate", "same arXiv id 2111.06377 as the entry at line 16") in got
    assert (77, "unreadable-entry", "not a table entry mimwatch can read (4 cells where its table has 3); kept as it is") in got
    assert parse(table).mentions("2305.00002")
    nested = text_of("nested").replace("*TKDE 2021*", "*NIPS 2021*")
    nested = nested.replace("*ICML 2015*", "*NeurIPS 2015*").replace("*ECCV 2016*", "*NeurIPS 2016*")
    problems = lint(parse(nested))
    spelled = [p for p in problems if p.code == "venue-spelling"]
    assert [(p.line, p.message) for p in spelled] == [
        (79, "venue 'NIPS 2021' is spelled 'NeurIPS' elsewhere in the list (NeurIPS 2021)")]
    talks = [p.line for p in problems if p.code == "unreadable-entry"]
    assert talks[0] == 155 and len(talks) == 8  # the Talks section: a title and links, no author line


def test_fix_respells_the_venue_in_each_dialect_and_nothing_else():
    nested = text_of("nested").replace("*TKDE 2021*", "*NIPS 2021, Spotlight*")
    nested = nested.replace("*ICML 2015*", "*NeurIPS 2015*").replace("*ECCV 2016*", "*NeurIPS 2016*")
    assert diff(nested, render(fix(parse(nested)))) == (
        "-  - Xiao Liu, Fanjin Zhang, Zhenyu Hou, Li Mian, Zhaoyu Wang, Jing Zhang, Jie Tang. *NIPS 2021, Spotlight*\n"
        "+  - Xiao Liu, Fanjin Zhang, Zhenyu Hou, Li Mian, Zhaoyu Wang, Jing Zhang, Jie Tang. *NeurIPS 2021, Spotlight*\n")
    table = text_of("table").replace("|NeurIPS 2021|", "|NIPS 2021 (Spotlight)|")
    fixed = diff(table, render(fix(parse(table))))
    assert fixed.count("\n") == 2 and "|NeurIPS 2021 (Spotlight)|" in fixed.splitlines()[1]


def test_table_rows_go_in_date_order_and_updates_change_one_cell():
    doc = parse(text_of("table"))
    new = Entry(title="Masked Pipes | and Bars", authors=("Ann",), venue="Arxiv", year=2021,
                paper_url="https://arxiv.org/abs/2111.11111", code_url="https://github.com/a/b", abbreviation="MP",
                date="2021-11-12")  # fmt: skip
    assert diff(text_of("table"), render(add_entries(doc, "Backbone models.", [new]))) == (
        "+2021-11-12|MP|Arxiv 2021|[Masked Pipes \\| and Bars](https://arxiv.org/abs/2111.11111)|[MP](https://github.com/a/b)\n")
    after = add_entries(doc, "Backbone models.", [new])
    assert [e.date for e in after.entries_in("Backbone models.")][5:8] == ["2021-11-11", "2021-11-12", "2021-11-15"]
    assert diff(text_of("table"), render(add_entries(doc, "Survey.", [new]))) == (
        "+2021-11-12|Arxiv 2021|[Masked Pipes \\| and Bars](https://arxiv.org/abs/2111.11111)\n")  # its own columns
    mae = doc.find(arxiv_id="2111.06377")
    assert diff(text_of("table"), render(update_entry(doc, mae, venue="CVPR", year=2022, code_url="https://github.com/x/mae"))) == (
        "-2021-11-11|MAE|Arxiv 2021|[Masked Autoencoders Are Scalable Vision Learners](https://arxiv.org/pdf/2111.06377.pdf)|[MAE](https://github.com/facebookresearch/mae)\n"
        "+2021-11-11|MAE|CVPR 2022|[Masked Autoencoders Are Scalable Vision Learners](https://arxiv.org/pdf/2111.06377.pdf)|[MAE](https://github.com/x/mae)\n")
    sit = doc.find(arxiv_id="2104.03602")
    assert diff(text_of("table"), render(update_entry(doc, sit, code_url="https://github.com/x/sit"))).endswith(
        "|[SiT: Self-supervised vIsion Transformer](https://arxiv.org/pdf/2104.03602.pdf)|[SiT](https://github.com/x/sit)\n")


def test_a_table_cell_ending_in_an_escaped_backslash_ends_at_the_next_pipe():
    # `\\|` is an escaped backslash and then a border; `\|` a pipe inside the cell (as GitHub reads tables).
    assert cells("2015-01-01|a\\\\|CVPR 2015|x \\| y|None|") == ["2015-01-01", "a\\\\", "CVPR 2015", "x \\| y", "None"]
    # The entry the Hypothesis round trip below drew in CI: a Method of one backslash.
    new = Entry(title="0", venue="CVPR", year=2015, paper_url="https://arxiv.org/abs/1501.10000", abbreviation="\\",
                date="2015-01-01")  # fmt: skip
    (back,) = [e for e in add_entries(parse(text_of("table")), "Backbone models.", [new]).entries
               if e.arxiv_id == "1501.10000"]  # fmt: skip
    assert back.abbreviation == "\\" and back.venue == "CVPR" and back.title == "0"


def test_escaped_brackets_in_a_one_line_entrys_authors_are_text_not_a_link():
    # The entry the Hypothesis round trip below drew: an author `[]()`, written `\\[\\]()`, which a scan for links
    # read as a link `[\\]()` (label a backslash, no address) and an author of one backslash.
    new = Entry(title="0", authors=("[]()", "Ann [Lab](x)"), paper_url="https://arxiv.org/abs/1501.10000",
                code_url="https://github.com/a/b")  # fmt: skip
    doc = add_entries(parse(text_of("one-line")), "Audio", [new])
    (back,) = [e for e in doc.entries if e.arxiv_id == "1501.10000"]
    assert "Ann \\[Lab\\](x)" in back.raw
    assert back.authors == ("[]()", "Ann [Lab](x)") and back.other_links == () and back.code_url == "https://github.com/a/b"


def test_nested_entries_go_under_their_year_and_make_the_years_heading_when_missing():
    doc = parse(text_of("nested"))
    new = Entry(title="Masked Things", authors=("Ann Author", "Ben Author"), venue="CVPR", year=2022,
                paper_url="https://arxiv.org/abs/2203.11111", code_url="https://github.com/a/b")  # fmt: skip
    assert diff(text_of("nested"), render(add_entries(doc, "Image Representation Learning", [new]))) == (
        "+\n"
        "+ - Masked Things\n"
        "+   [[pdf]](https://arxiv.org/abs/2203.11111)\n"
        "+   [[code]](https://github.com/a/b)\n"
        "+   - Ann Author, Ben Author. *CVPR 2022*\n")
    later = Entry(title="Newer Masked Things", authors=("Cee Author",), venue="ArXiv", year=2023,
                  paper_url="https://arxiv.org/abs/2303.11111")  # fmt: skip
    after = add_entries(doc, "Image Representation Learning", [later])
    assert diff(text_of("nested"), render(after)) == (
        "+\n+#### 2023\n+ - Newer Masked Things\n+   [[pdf]](https://arxiv.org/abs/2303.11111)\n+   - Cee Author.\n")
    assert after.find(arxiv_id="2303.11111").section == "Image Representation Learning"
    early = Entry(title="Robots", authors=("Cee Author",), venue="ICRA", year=2007, paper_url="https://arxiv.org/abs/0703.11111")
    robotics = render(add_entries(doc, "Robotics", [early]))
    assert robotics.index("### 2006") < robotics.index("### 2007\n- Robots\n  [[pdf]]") < robotics.index("### 2009")
    theory = diff(text_of("nested"), render(add_entries(doc, "Theory", [later])))
    assert theory == "+\n+-   Newer Masked Things.\n+    [[pdf]](https://arxiv.org/abs/2303.11111)\n+    -   Cee Author.\n"


def test_nested_updates_add_the_venue_and_the_code_line():
    doc = parse(text_of("nested"))
    entry = doc.find(arxiv_id="2111.00743")
    assert diff(text_of("nested"), render(update_entry(doc, entry, venue="NeurIPS", year=2022,
                                                       code_url="https://github.com/x/y"))) == (  # fmt: skip
        "-    -   Weiran Huang, Mingyang Yi, and Xuyang Zhao.\n"
        "+    [[code]](https://github.com/x/y)\n"
        "+    -   Weiran Huang, Mingyang Yi, and Xuyang Zhao. *NeurIPS 2022*\n")


def test_one_line_entries_go_last_in_their_section_and_get_code_after_the_title_link():
    doc = parse(text_of("one-line"))
    new = Entry(title="Masked [Things]", authors=("Ann Author", "Ben Author"), paper_url="https://arxiv.org/abs/2203.11111",
                code_url="https://github.com/a/b", other_links=(Link("Project", "https://a.github.io/b"),))  # fmt: skip
    after = add_entries(doc, "Audio", [new])
    assert diff(text_of("one-line"), render(after)) == (
        "++ [Masked \\[Things\\]](https://arxiv.org/abs/2203.11111) [:octocat:](https://github.com/a/b) "
        "[🌐](https://a.github.io/b) Ann Author, Ben Author\n")
    assert after.entries_in("Audio")[-1].fields == new.fields
    plain = doc.find(arxiv_id="2204.11837")
    assert diff(text_of("one-line"), render(update_entry(doc, plain, code_url="https://github.com/x/y"))) == (
        "-+ [A Mask-Based Adversarial Defense Scheme](https://arxiv.org/abs/2204.11837) Weizhen Xu, Chenyi Zhang, Fangzhen Zhao, Liangda Fang\n"
        "++ [A Mask-Based Adversarial Defense Scheme](https://arxiv.org/abs/2204.11837) [:octocat:](https://github.com/x/y) Weizhen Xu, Chenyi Zhang, Fangzhen Zhao, Liangda Fang\n")


def test_an_unreadable_entry_is_kept_verbatim_through_edits_and_still_counts_as_listed():
    doc = parse(text_of("one-line"))
    (odd,) = doc.unreadable
    assert odd.raw.startswith("+ [Survey] [A Survey on Masked Autoencoder") and odd.arxiv_ids == ("2208.00173",)
    assert doc.mentions("2208.00173v2") and not doc.mentions("2208.99999")
    new = Entry(title="T", authors=("A",), paper_url="https://arxiv.org/abs/2203.11111")
    edited = add_entries(doc, "Miscellaneous", [new])
    assert odd.raw in render(edited) and len(edited.unreadable) == 1


_ALPHABET = st.sampled_from(list("abcxyzABCXYZ0129 -:?!'\"&/()") + list("[]*|<>`_\\#") + list("éüßøçñ李王Ωλ"))
_words = st.text(_ALPHABET, min_size=1, max_size=50).map(lambda s: " ".join(s.split())).filter(bool)
# Authors are joined with commas (and `and` in some lists): names hold neither.
_names = _words.map(lambda s: " ".join(s.replace(",", " ").split())).filter(
    lambda s: s and " and " not in f" {s} " and not s.endswith("."))
_urls = st.from_regex(r"https://github\.com/[a-z][a-z0-9-]{0,10}/[a-z][a-z0-9._-]{0,10}", fullmatch=True,
                      alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-_:/")  # ASCII: see test_awesome_roundtrip  # fmt: skip


def entries(name: str) -> st.SearchStrategy[Entry]:
    arxiv = st.builds("{}.{}".format, st.integers(1501, 2512), st.integers(10000, 99999))
    entry = st.builds(
        Entry,
        title=_words.map(lambda t: t.lstrip("🔥 ") or "T"),
        authors=st.lists(_names, min_size=1, max_size=4).map(tuple) if name != "table" else st.just(()),
        venue=st.sampled_from(["CVPR", "NeurIPS", "ICLR", "TPAMI"]) if name != "one-line" else st.none(),
        year=st.integers(2015, 2026) if name != "one-line" else st.none(),
        paper_url=arxiv.map("https://arxiv.org/abs/{}".format),
        code_url=st.none() | _urls,
        abbreviation=st.none() | _names.filter(lambda s: s != "-") if name == "table" else st.none(),
    )
    if name == "table":  # a row's date: the month of its arXiv id
        entry = entry.map(lambda e: replace(e, date=f"20{e.arxiv_id[:2]}-{e.arxiv_id[2:4]}-01"))
    return entry


# Built once: a strategy made afresh for every example is validated afresh too.
ENTRY_STRATEGIES = {name: entries(name) for name in LISTS}


@pytest.mark.parametrize("name", sorted(LISTS))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_entries_survive_render_then_parse(name, data):
    entry = data.draw(ENTRY_STRATEGIES[name])
    host = parsed(name)
    section = host.sections[0]
    edited = add_entries(host, section, [entry])
    (back,) = [e for e in edited.entries if e.arxiv_id == entry.arxiv_id]
    assert back.fields == entry.fields and back.format == name and back.section == section
    assert [e.raw for e in edited.entries if e is not back] == [e.raw for e in host.entries]
    assert render(parse(render(edited))) == render(edited)
    assert not [p for p in lint(edited) if p.line == back.line and p.code in ("missing-field", "malformed-link")]
