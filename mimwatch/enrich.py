"""What an entry needs beyond arXiv's metadata: venue tag, code link, project page, abbreviation.

A false code link is worse than none: a link is taken only when it is clearly the paper's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .papers import Paper
from .venues import Venue, venue_or_preprint

_HOSTED_REPO = re.compile(
    r"(?:https?://)?(?:www\.)?(?P<host>github\.com|gitlab\.com|huggingface\.co)/"
    r"(?P<path>(?:(?:spaces|datasets)/)?[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)",
    re.I,
)
_PAGES_SITE = re.compile(r"(?:https?://)?(?P<site>[A-Za-z0-9-]+\.github\.io(?:/[^\s,;)\]}>\"']*)?)", re.I)
# Not repositories: GitHub's own pages under a repository-shaped path.
_NOT_OWNERS = {
    "orgs", "topics", "features", "sponsors", "marketplace", "settings", "collections", "about", "login",
    "papers", "docs", "blog", "join", "pricing", "tasks", "models", "search",
}  # fmt: skip
# Words that, just before a link, say it is somebody else's code the paper builds on.
_FOREIGN_CUE = re.compile(
    r"(?:based on|build(?:s|ing)? (?:up)?on|built (?:up)?on|adapted from|borrowed from|"
    r"following|implementation of|baseline)[^.]{0,50}$",
    re.I,
)
# Words that, just before a link, say it is the paper's own code.
_OWN_CODE_CUE = re.compile(
    r"(?:code|implementation|models?|weights|repository|repo|source|project|data(?:set)?s?)\b[^.]{0,60}$|"
    r"(?:available|released|public(?:ly)?|open[- ]?sourced?|found|accessible|hosted)\b[^.]{0,30}$",
    re.I,
)
_OUR_CODE = re.compile(r"\bour (?:code|implementation|models?|repository)\b", re.I)
_ABBREVIATION = re.compile(r"^(?P<name>[^\s:]+(?:\s+(?:v\d+(?:\.\d+)*|\d+(?:\.\d+)+|V\d+))?)\s*:\s+\S")


@dataclass(frozen=True)
class Enrichment:
    venue: Venue | None  # where it is accepted, else ArXiv and the year of v1; None when no year is known
    code: str | None
    project: str | None
    abbreviation: str | None


def enrich(paper: Paper) -> Enrichment:
    """Venue, code, project and abbreviation for one paper; a list spells the venue its way (`Venue.spelled`).

    A paper not on arXiv takes its venue from its record (OpenReview's `venue`: `ICLR 2024 Poster`), else its
    server's (`OpenReview'2024`), else none: never `ArXiv`."""
    accepted = str(paper.extra.get("venue") or "") if paper.extra.get("decision") == "accepted" else ""
    if paper.id:  # an OpenReview decision of its twin counts like a journal_ref
        venue = venue_or_preprint(paper.comment, paper.journal_ref or accepted or None, paper.v1_year,
                                  paper.updated.year if paper.updated else None)  # fmt: skip
    else:
        decided = " ".join(str(paper.extra.get(k) or "") for k in ("venue", "journal")).strip() or None
        year = paper.published.year if paper.published else None
        venue = venue_or_preprint(paper.comment, decided or paper.journal_ref, year, server=paper.server)
        journal, journal_year = paper.extra.get("journal"), paper.extra.get("journal_year") or year
        if journal and journal_year and (venue is None or venue.is_preprint):  # a journal the venue table lacks
            venue = Venue(str(journal), int(journal_year))
    texts = [paper.comment or "", paper.abstract]
    return Enrichment(
        venue=venue,
        code=code_link(*texts),
        project=project_link(*texts),
        abbreviation=abbreviation(paper.title),
    )


def code_link(*texts: str) -> str | None:
    """The paper's own repository (GitHub, GitLab, Hugging Face) named in its comment or abstract, or None."""
    candidates: list[tuple[bool, str]] = []
    for text in texts:
        for m in _HOSTED_REPO.finditer(text or ""):
            owner = m.group("path").split("/")[0].lower()
            if owner in _NOT_OWNERS:
                continue
            url = _clean_repo_url(m.group("host").lower(), m.group("path"))
            before = text[max(0, m.start() - 80) : m.start()]
            if _FOREIGN_CUE.search(before) and not _OUR_CODE.search(before):
                continue
            candidates.append((bool(_OWN_CODE_CUE.search(before)), url))
    distinct = list(dict.fromkeys(url for _, url in candidates))
    if len(distinct) == 1:
        return distinct[0]
    cued = list(dict.fromkeys(url for is_cued, url in candidates if is_cued))
    # Several repositories: only one that the text presents as its code is trusted.
    return cued[0] if len(cued) == 1 else None


def project_link(*texts: str) -> str | None:
    """A `*.github.io` project page named in the comment or abstract: a project link, never a code link."""
    for text in texts:
        if m := _PAGES_SITE.search(text or ""):
            site = m.group("site").rstrip(".,;:!?'\"")
            return "https://" + site
    return None


def abbreviation(title: str) -> str | None:
    """`SimMIM: A Simple Framework…` → `SimMIM`; a plain-word prefix (`Masked Autoencoders: …`) is not one."""
    m = _ABBREVIATION.match(title.strip())
    if not m:
        return None
    name = m.group("name")
    first = name.split()[0]
    letters = re.sub(r"[^A-Za-z]", "", first)
    looks_coined = (
        sum(c.isupper() for c in first) >= 2
        or any(c.isdigit() for c in first)
        or bool(re.search(r"[a-z][A-Z]", first))
        or (first[:1].islower() and any(c.isupper() for c in first))
        or (first.isupper() and len(letters) >= 2)
    )
    return name if looks_coined else None


def _clean_repo_url(host: str, path: str) -> str:
    parts = path.split("/")
    repo = parts[-1].rstrip(".,;:!?'\")]}")
    repo = re.sub(r"\.git$", "", repo, flags=re.I)
    return f"https://{host}/" + "/".join([*parts[:-1], repo])
