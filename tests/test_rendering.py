"""An edit changes how nothing it did not touch renders on GitHub: checked with GitHub's own renderer (cmark-gfm).

For every dialect's list and each edit (add entries to every section, update an entry, add a section), the
HTML of every untouched entry is the same before and after, and a new entry renders with the structure of
the entries beside it (a paragraph-wrapped item among plain ones would mean the list turned loose).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from lxml import html as lhtml

from mimwatch.awesome import AwesomeList, Entry, parse, render
from mimwatch.awesome.edit import add_entries, add_section, move_entry, remove_entry, update_entry
from mimwatch.errors import ListEditError

DATA = Path(__file__).parent / "data"
LISTS = {
    "awesome-mim (inline)": DATA / "awesome-2023-05-25.md",
    "awesome-mim (br)": DATA / "awesome-2023-12-07.md",
    "one-line": DATA / "other-lists" / "edisonleeeee-excerpt.md",
    "table": DATA / "other-lists" / "ucasligang-excerpt.md",
    "nested": DATA / "other-lists" / "jason718-excerpt.md",
}


def github_html(text: str) -> lhtml.HtmlElement:
    """The list as GitHub renders a README (raw HTML kept; GitHub sanitises it afterwards, alike before and after)."""
    return lhtml.fromstring(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE))


def entry_elements(tree: lhtml.HtmlElement) -> dict[str, list[lhtml.HtmlElement]]:
    """Each linked paper's rendered entry: the outermost list item (or table row) holding a link to it."""
    found: dict[str, list[lhtml.HtmlElement]] = defaultdict(list)
    for link in tree.iter("a"):
        top, node = None, link
        while node is not None:
            if node.tag in ("li", "tr"):
                top = node
            node = node.getparent()
        if top is not None and top not in found[link.get("href", "")]:
            found[link.get("href", "")].append(top)
    return found


def as_html(elements: list[lhtml.HtmlElement]) -> list[str]:
    return [lhtml.tostring(e, encoding="unicode") for e in elements]


def structure(element: lhtml.HtmlElement) -> tuple:
    """What tells a loose item from a tight one and a row from an item: its tag, its list, whether its text is
    wrapped in a paragraph (a bare `<p>`; a figure's `<p align=…>` is the entry's own HTML), its cells."""
    wrapped = len(element) > 0 and not (element.text or "").strip() and element[0].tag == "p" and not element[0].attrib
    return element.tag, element.getparent().tag, wrapped, sum(1 for child in element if child.tag == "td")


@functools.cache
def before(name: str) -> tuple[AwesomeList, dict[str, list[str]]]:
    doc = parse(LISTS[name].read_text(encoding="utf-8"))
    return doc, {url: as_html(els) for url, els in entry_elements(github_html(render(doc))).items()}


def assert_untouched_entries_render_alike(
    name: str, edited: AwesomeList, touched: set[str] = frozenset(), loosened: set[str] = frozenset()
) -> dict:
    """Every untouched entry renders as before. `loosened`: entries of the list an entry was taken out of; they may
    lose their paragraph wrapping (a CommonMark list is loose only while two of its items stand apart: take out
    the one that stood apart, or leave a single item, and it is tight), nothing else."""
    doc, old = before(name)
    new = entry_elements(github_html(render(edited)))
    changed = []
    for e in doc.entries:
        if not e.paper_url or e.paper_url in touched:
            continue
        now, then = as_html(new.get(e.paper_url, [])), old[e.paper_url]
        if now != then and not (e.paper_url in loosened and list(map(unwrapped, now)) == list(map(unwrapped, then))):
            changed.append(e.title)
    assert changed == [], f"{name}: {len(changed)} untouched entries render differently, e.g. {changed[:3]}"
    return new


def unwrapped(html: str) -> str:
    """A list item's HTML without the paragraph a loose list wraps its text in."""
    return re.sub(r"<li>\s*<p>(.*?)</p>", r"<li>\1", html, count=1, flags=re.S).replace("\n", "")


def list_mates(doc: AwesomeList, entry: Entry) -> set[str]:
    """The paper links of the entries in the same section as `entry` (its list)."""
    return {e.paper_url for e in doc.entries if e.section == entry.section and e.paper_url}


def year_headings(doc: AwesomeList, section: str) -> set[int]:
    """The years a nested list splits `section` by (`### 2006`)."""
    headings = list(doc.headings)
    start = next(i for i, h in enumerate(headings) if h.text == section)
    found = set()
    for h in headings[start + 1 :]:
        if h.level <= headings[start].level:
            break
        if h.text.strip().isdigit():
            found.add(int(h.text))
    return found


def new_entries(doc: AwesomeList, section: str, count: int = 2) -> list[Entry]:
    """Entries for `section`, in years its entries have and one it lacks (a nested list's year headings)."""
    years = sorted({e.year for e in doc.entries_in(section) if e.year} | year_headings(doc, section)) or [2022]
    picks = [*years, 2031][-count - 1 :] if count > 1 else [years[-1]]
    return [Entry(title=f"Masked Novelty {section} {i}", authors=("Ann Author", "Ben Author"), venue="CVPR", year=y,
                  paper_url=f"https://arxiv.org/abs/{2101 + i}.{90000 + len(section) * 7 + i}",
                  code_url="https://github.com/a/b" if i % 2 else None, date=f"20{21 + i % 3}-0{1 + i}-01")
            for i, y in enumerate(picks)]  # fmt: skip


@pytest.mark.parametrize("name", sorted(LISTS))
def test_adding_entries_to_any_section_changes_no_other_entrys_rendering(name):
    doc, _ = before(name)
    for section in doc.sections:
        added = new_entries(doc, section)
        rendered = assert_untouched_entries_render_alike(name, add_entries(doc, section, added))
        for entry in added:
            (element,) = rendered[entry.paper_url]
            siblings = [s for s in element.getparent() if s is not element and s.tag == element.tag]
            neighbours = {structure(s) for s in siblings if not any(e.paper_url in as_html([s])[0] for e in added)}
            if neighbours:  # a new list (a new year, an empty section) has no neighbours to match
                assert structure(element) in neighbours, f"{name}, {section}: {entry.title} renders unlike its list"


@pytest.mark.parametrize("name", sorted(LISTS))
def test_updating_an_entry_changes_only_that_entrys_rendering(name):
    doc, _ = before(name)
    for entry in doc.entries[::4]:
        if not entry.paper_url:
            continue
        venue = {"venue": "ICCV", "year": 2023} if entry.venue else {}
        try:
            edited = update_entry(doc, entry, code_url="https://github.com/x/updated", **venue)
        except ListEditError:  # a table without a Code column
            edited = update_entry(doc, entry, **venue)
        assert_untouched_entries_render_alike(name, edited, touched={entry.paper_url})


@pytest.mark.parametrize("name", sorted(LISTS))
def test_adding_a_section_changes_no_entrys_rendering(name):
    doc, _ = before(name)
    parent = next(h.text for h in doc.headings if doc.entries_in(h.text))
    for edited in (add_section(doc, "Masked Brand New Field"), add_section(doc, "Masked Subfield", parent=parent)):
        title = next(h.text for h in edited.headings if h.text.startswith("Masked "))
        assert_untouched_entries_render_alike(name, edited)
        filled = add_entries(edited, title, new_entries(edited, title, count=1))
        assert_untouched_entries_render_alike(name, filled)
        assert any(
            h.text_content().strip() == title
            for h in github_html(render(filled)).iter("h1", "h2", "h3", "h4", "h5", "h6")
        )


@pytest.mark.parametrize("name", sorted(LISTS))
def test_taking_an_entry_out_changes_no_other_entrys_rendering(name):
    doc, _ = before(name)
    for entry in doc.entries[::5]:
        if not entry.paper_url or sum(e.paper_url == entry.paper_url for e in doc.entries) > 1:
            continue  # the lists' own duplicates: the other copy stays
        edited = remove_entry(doc, entry)
        assert len(edited.entries) == len(doc.entries) - 1 and edited.find(arxiv_id=entry.arxiv_id) is None
        assert_untouched_entries_render_alike(name, edited, {entry.paper_url}, list_mates(doc, entry))


@pytest.mark.parametrize("name", sorted(LISTS))
def test_moving_an_entry_changes_only_that_entrys_rendering(name):
    doc, _ = before(name)
    sections = [s for s in doc.sections if doc.entries_in(s)]
    for i, entry in enumerate(doc.entries[1::7]):
        if not entry.paper_url or sum(e.paper_url == entry.paper_url for e in doc.entries) > 1:
            continue
        target = next(s for s in sections[i % len(sections) :] + sections if s != entry.section)
        edited = move_entry(doc, entry, target)
        moved = next(e for e in edited.entries if e.paper_url == entry.paper_url)
        assert moved.section == target and moved.title == entry.title
        rendered = assert_untouched_entries_render_alike(name, edited, {entry.paper_url}, list_mates(doc, entry))
        (element,) = rendered[entry.paper_url]
        siblings = {structure(s) for s in element.getparent() if s is not element and s.tag == element.tag}
        assert not siblings or structure(element) in siblings, f"{name}: {entry.title} renders unlike its new list"
