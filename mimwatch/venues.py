"""Venues: what a comment or journal_ref says about where a paper appears, spelled the way a list spells it.

"Accepted to CVPR 2023" → CVPR'2023; "submitted to CVPR 2023" is not an acceptance; a venue that is only
mentioned as the home of an earlier version ("extended version of our ECCV 2022 paper") does not count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

# Canonical spelling → patterns. Acronyms are matched case-sensitively (TIP, MM and ACL are also words).
_VENUES: dict[str, tuple[str, ...]] = {
    "CVPR": (r"CVPR", r"(?i:Conference on Computer Vision and Pattern Recognition)"),
    "ICCV": (r"ICCV", r"(?i:International Conference on Computer Vision)"),
    "ECCV": (r"ECCV", r"(?i:European Conference on Computer Vision)"),
    "NeurIPS": (r"Neur[Ii][Pp][Ss]", r"NIPS", r"(?i:Neural Information Processing Systems)"),
    "ICLR": (r"ICLR", r"(?i:International Conference on Learning Representations)"),
    "ICML": (r"ICML", r"(?i:International Conference on Machine Learning)"),
    "AAAI": (r"AAAI",),
    "IJCAI": (r"IJCAI",),
    "WACV": (r"WACV", r"(?i:Winter Conference on Applications of Computer Vision)"),
    "BMVC": (r"BMVC", r"(?i:British Machine Vision Conference)"),
    "ACCV": (r"ACCV", r"(?i:Asian Conference on Computer Vision)"),
    "ACMMM": (r"ACM ?MM", r"ACM Multimedia", r"(?i:ACM International Conference on Multimedia)"),
    "MICCAI": (r"MICCAI", r"(?i:Medical Image Computing and Computer[- ]Assisted Intervention)"),
    "ISBI": (r"ISBI",),
    "MIDL": (r"MIDL",),
    "ICASSP": (r"ICASSP",),
    "Interspeech": (r"(?i:INTERSPEECH)",),
    "ICME": (r"ICME",),
    "ICIP": (r"ICIP",),
    "3DV": (r"3DV",),
    "ICRA": (r"ICRA",),
    "IROS": (r"IROS",),
    "CoRL": (r"CoRL", r"(?i:Conference on Robot Learning)"),
    "ACL": (r"ACL",),
    "EMNLP": (r"EMNLP",),
    "NAACL": (r"NAACL",),
    "COLING": (r"COLING",),
    "KDD": (r"KDD", r"SIGKDD"),
    "SIGGRAPH Asia": (r"SIGGRAPH Asia",),
    "SIGGRAPH": (r"SIGGRAPH",),
    "AISTATS": (r"AISTATS",),
    "UAI": (r"UAI",),
    "TMLR": (r"TMLR", r"(?i:Transactions on Machine Learning Research)"),
    "JMLR": (r"JMLR", r"(?i:Journal of Machine Learning Research)"),
    "TPAMI": (r"T-?PAMI", r"(?i:Transactions on Pattern Analysis and Machine Intelligence)"),
    "IJCV": (r"IJCV", r"(?i:International Journal of Computer Vision)"),
    "TIP": (r"TIP", r"(?i:Transactions on Image Processing)"),
    "TMM": (r"TMM", r"(?i:Transactions on Multimedia)"),
    "TCSVT": (r"TCSVT", r"(?i:Transactions on Circuits and Systems for Video Technology)"),
    "TNNLS": (r"TNNLS", r"(?i:Transactions on Neural Networks and Learning Systems)"),
    "TGRS": (r"TGRS", r"(?i:Transactions on Geoscience and Remote Sensing)"),
    "TMI": (r"TMI", r"(?i:Transactions on Medical Imaging)"),
    "TASLP": (r"TASLP", r"(?i:Transactions on Audio,? Speech,? and Language Processing)"),
    "MedIA": (r"MedIA", r"(?i:Medical Image Analysis)"),
}
_WORKSHOP_ACRONYMS = {"CVPRW": "CVPR", "ICCVW": "ICCV", "ECCVW": "ECCV"}

# Spellings of one venue that are the same venue (compared without case and spaces); `NIP` is a typo.
_FAMILY_ALIASES = {"nip": "neurips", "nips": "neurips", "acmmultimedia": "acmmm", "mm": "acmmm"}
KNOWN_TYPOS = frozenset({"NIP"})

_YEAR_AFTER = re.compile(r"^(?:[\s'’-]*(?P<y4>(?:19|20)\d{2})|['’-]?(?P<y2>\d{2}))(?!\d)")
_YEAR_ANY = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})(?!\d)")
_NEGATIVE = re.compile(
    r"submitted|submission|under review|in review|review(?:ed)? (?:at|by|for)|rejected|withdrawn|"
    r"extended version|extension of|extends (?:our|the)|journal version|earlier version|previous version|"
    r"preliminary version|conference version|short version|shorter version|challenge|competition|"
    r"tutorial|keynote|invited talk|will be submitted|for possible publication",
    re.I,
)
_POSITIVE = re.compile(
    r"accept|to appear|appear(?:s|ed|ing)? (?:in|at)|publish|proceedings|camera[- ]?ready|oral|spotlight|"
    r"poster|highlight|presented at|presentation at|main (?:conference|track)|conference paper|"
    r"journal paper|final version|version of record|award|\btrack\b",
    re.I,
)
_WORKSHOP = re.compile(r"workshop", re.I)
_CLAUSE_SPLIT = re.compile(r"[;|\n]+|(?<=[\w)\]])\.\s+(?=[A-Z])")


_FILLER = frozenset(
    [
        "the",
        "in",
        "at",
        "of",
        "ieee",
        "cvf",
        "acm",
        "paper",
        "version",
        "conference",
        "main",
        "proceedings",
        "oral",
        "poster",
        "spotlight",
    ]
)


@dataclass(frozen=True)
class Venue:
    name: str  # canonical spelling, e.g. NeurIPS; "ArXiv" for preprints
    year: int
    workshop: bool = False

    @property
    def label(self) -> str:
        """The venue as a list writes it before the year: `CVPR`, `CVPR Workshop`."""
        return f"{self.name} Workshop" if self.workshop else self.name

    @property
    def is_preprint(self) -> bool:
        return is_preprint_venue(self.name)

    def spelled(self, style: Mapping[str, str] | None) -> Venue:
        """The venue spelled as a list spells its family most often (`style`: family → spelling)."""
        return replace(self, name=(style or {}).get(venue_family(self.name), self.name))

    def tag(self, style: Mapping[str, str] | None = None) -> str:
        """`CVPR'2023`, with the venue spelled as the list spells that venue family most often."""
        venue = self.spelled(style)
        return f"{venue.label}'{venue.year}"


PREPRINT_FAMILIES = frozenset({"arxiv", "openreview", "biorxiv"})  # where a paper stands before a venue takes it


def is_preprint_venue(venue: str) -> bool:
    """`ArXiv`, `OpenReview`, `bioRxiv` (any spelling): a preprint server, not a venue that accepted the paper."""
    return venue_family(venue) in PREPRINT_FAMILIES


def venue_family(venue: str) -> str:
    """The key under which all spellings of one venue meet: `ArXiv`, `arXiv` → `arxiv`; `NIPS` → `neurips`."""
    key = re.sub(r"\s+", "", venue).casefold()
    return _FAMILY_ALIASES.get(key, key)


def find_venue(comment: str | None, journal_ref: str | None = None, fallback_year: int | None = None) -> Venue | None:
    """The venue a paper is accepted at, from its journal_ref (first) or comment; None for a preprint."""
    ref_year = _first_year(journal_ref)
    for text, is_journal_ref in ((journal_ref, True), (comment, False)):
        if not text:
            continue
        for clause in _CLAUSE_SPLIT.split(text):
            found = _venue_in_clause(clause, is_journal_ref, ref_year or fallback_year)
            if found:
                return found
    return None


def venue_or_preprint(
    comment: str | None,
    journal_ref: str | None,
    published_year: int | None,
    updated_year: int | None = None,
    server: str | None = "ArXiv",
) -> Venue | None:
    """The accepted venue, else `<server>'<year of its first version>` (`ArXiv'2023`, `OpenReview'2024`); None
    when no year is known, or the paper stands on no server a list names (never `ArXiv` for a paper not there)."""
    found = find_venue(comment, journal_ref, fallback_year=updated_year or published_year)
    if found:
        return found
    return Venue(server, published_year) if published_year and server else None


def _venue_in_clause(clause: str, is_journal_ref: bool, fallback_year: int | None) -> Venue | None:
    mentions = _mentions(clause)
    for match, name in mentions:
        segment, offset = _segment(clause, match)
        if _NEGATIVE.search(segment):
            continue
        workshop = bool(_WORKSHOP.search(segment)) or match.group(0) in _WORKSHOP_ACRONYMS
        bare = _is_bare_mention(segment.replace(match.group(0), " "))
        if not (is_journal_ref or _POSITIVE.search(segment) or workshop or bare):
            continue
        year = _year_near(segment, match.start() - offset, match.end() - offset)
        if year is None and len({n for _, n in mentions}) == 1:  # else a year may belong to another venue
            year = _year_near(clause, match.start(), match.end())
        year = year or fallback_year
        if year:
            return Venue(name, year, workshop)
    return None


def _segment(clause: str, match: re.Match[str]) -> tuple[str, int]:
    """The comma-separated part of a clause that holds a venue mention, and where it starts."""
    start = clause.rfind(",", 0, match.start()) + 1
    end = clause.find(",", match.end())
    end = len(clause) if end == -1 else end
    return clause[start:end], start


def _mentions(clause: str) -> list[tuple[re.Match[str], str]]:
    found = []
    for acronym, name in _WORKSHOP_ACRONYMS.items():
        for m in re.finditer(rf"(?<![A-Za-z]){acronym}(?![A-Za-z])", clause):
            found.append((m, name))
    for name, patterns in _VENUES.items():
        for pattern in patterns:
            for m in re.finditer(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", clause):
                found.append((m, name))
    # The earliest mention wins; at one position the longest (SIGGRAPH Asia before SIGGRAPH).
    found.sort(key=lambda item: (item[0].start(), -len(item[0].group(0))))
    return found


def _is_bare_mention(rest: str) -> bool:
    """`CVPR 2023 (Oral)`, `ICCV'23, main conference`: nothing but the venue, a year and a few words."""
    words = re.findall(r"[A-Za-z]{2,}", re.sub(r"\(.*?\)", " ", rest))
    return len([w for w in words if w.lower() not in _FILLER]) <= 1


def _year_near(text: str, start: int, end: int) -> int | None:
    """The year written right after a venue (`CVPR 2023`, `CVPR'23`, `AAAI-23`), else the closest one."""
    if m := _YEAR_AFTER.match(text[end:]):
        return int(m.group("y4")) if m.group("y4") else 2000 + int(m.group("y2"))
    years = [(abs(m.start() - start), int(m.group("year"))) for m in _YEAR_ANY.finditer(text)]
    return min(years)[1] if years else None


def _first_year(text: str | None) -> int | None:
    m = _YEAR_ANY.search(text or "")
    return int(m.group("year")) if m else None
