"""A fake arXiv API on loopback: serves Atom pages of generated entries, with faults scripted per request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from werkzeug import Request, Response


@dataclass
class FakeEntry:
    id: str  # with version, e.g. 2401.00001v1
    title: str
    abstract: str = "An abstract."
    authors: tuple[str, ...] = ("Ann Author",)
    published: str = "2024-01-02T10:00:00Z"
    updated: str = "2024-01-02T10:00:00Z"
    categories: tuple[str, ...] = ("cs.CV",)
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None


def entries(n: int, prefix: str = "2401") -> list[FakeEntry]:
    return [FakeEntry(id=f"{prefix}.{i:05d}v1", title=f"Paper number {i}") for i in range(1, n + 1)]


def atom_page(page: list[FakeEntry], total: int, start: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">',
        '<title type="html">ArXiv Query</title><id>http://arxiv.org/api/fake</id>'
        "<updated>2024-01-03T00:00:00-05:00</updated>",
        f"<opensearch:totalResults>{total}</opensearch:totalResults>",
        f"<opensearch:startIndex>{start}</opensearch:startIndex>",
        f"<opensearch:itemsPerPage>{len(page)}</opensearch:itemsPerPage>",
    ]
    for e in page:
        parts.append(
            f"<entry><id>http://arxiv.org/abs/{e.id}</id><updated>{e.updated}</updated>"
            f"<published>{e.published}</published><title>{escape(e.title)}</title>"
            f"<summary>{escape(e.abstract)}</summary>"
            + "".join(f"<author><name>{escape(a)}</name></author>" for a in e.authors)
            + (f"<arxiv:comment>{escape(e.comment)}</arxiv:comment>" if e.comment else "")
            + (f"<arxiv:journal_ref>{escape(e.journal_ref)}</arxiv:journal_ref>" if e.journal_ref else "")
            + (f"<arxiv:doi>{escape(e.doi)}</arxiv:doi>" if e.doi else "")
            + f'<link href="http://arxiv.org/abs/{e.id}" rel="alternate" type="text/html"/>'
            + f'<link title="pdf" href="http://arxiv.org/pdf/{e.id}" rel="related" type="application/pdf"/>'
            + f'<arxiv:primary_category term="{e.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>'
            + "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in e.categories)
            + "</entry>"
        )
    parts.append("</feed>\n")
    return "\n".join(parts).encode("utf-8")


@dataclass
class FakeArxivApi:
    """Stateful handler: `faults[(start, try)]` is what the try-th request for that start gets instead."""

    corpus: list[FakeEntry]
    faults: dict[tuple[int, int], tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    tries: dict[int, int] = field(default_factory=dict)

    def __call__(self, request: Request) -> Response:
        args = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        self.requests.append(args)
        start = int(args.get("start", 0))
        size = int(args.get("max_results", 10))
        try_no = self.tries.get(start, 0)
        self.tries[start] = try_no + 1
        if (start, try_no) in self.faults:
            status, headers, body = self.faults[(start, try_no)]
            return Response(body, status=status, headers=headers, content_type="application/atom+xml")
        pool = [e for e in self.corpus if _matches(e, args.get("search_query", ""))]
        if args.get("id_list"):
            wanted = set(args["id_list"].split(","))
            pool = [e for e in self.corpus if e.id.split("v")[0] in wanted]
        body = atom_page(pool[start : start + size], len(pool), start)
        return Response(body, status=200, content_type="application/atom+xml")

    def starts(self) -> list[int]:
        return [int(r.get("start", 0)) for r in self.requests]


def _matches(entry: FakeEntry, query: str) -> bool:
    """What arXiv's search does with mimwatch's queries: a `submittedDate:[from TO to]` window (both ends in
    minutes, inclusive) and `cat:` terms joined by OR. An empty query matches everything (an id_list fetch)."""
    if window := re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", query):
        submitted = re.sub(r"\D", "", entry.published)[:12]
        if not window.group(1) <= submitted <= window.group(2):
            return False
    categories = re.findall(r"cat:([\w.-]+)", query)
    return not categories or bool(set(categories) & set(entry.categories))


EMPTY_PAGE = (200, {}, atom_page([], 25, 10))
