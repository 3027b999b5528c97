"""What the model reads of a paper: hashed counts of its words, word pairs and title character n-grams,
and how many of its authors already have entries in the list.

The counts are hashed (no vocabulary), so papers counted at different times — the shipped negative sample,
the state's recent papers, a new list entry — live in one feature space, and the shipped sample is numbers,
not text. Weighting (IDF, sublinear tf, l2 per block) is fitted per training run on the columns it uses.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import mmh3
import numpy as np
import scipy.sparse as sp

from .stopwords import ENGLISH_STOP_WORDS

WORD_BITS = 20
CHAR_BITS = 18
N_WORD = 2**WORD_BITS
N_CHAR = 2**CHAR_BITS
N_FEATURES = N_WORD + N_CHAR
# Words of 2+ characters that start with a letter, and 2D/3D/4D. No other token starting with a digit: years,
# counts and sizes ("2021", "7B") tell the pool's era from the list's. "3D" names sections ("3D Point Cloud").
TOKEN_PATTERN = r"(?u)\b(?:[a-zA-Z][a-zA-Z0-9]+|[0-9][dD])\b"
_TOKENS = re.compile(TOKEN_PATTERN)

# The features are scikit-learn's HashingVectorizer's, computed here so that scoring needs no scikit-learn
# (a scan starts 1.3 s sooner) and no scikit-learn release can move a model's columns: word 1-2 grams
# (lowercased, accents stripped, English stop words dropped) and `char_wb` 3-5 grams of the title, each
# hashed with signed 32-bit MurmurHash3 (seed 0) to abs(hash) mod the block's size, counts summed.
# tests/test_classify.py checks both blocks against HashingVectorizer, column for column.


def _normalise(text: str) -> str:
    """Lowercased, accents stripped (scikit-learn's `strip_accents="unicode"`, after `lowercase=True`)."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _word_terms(doc: str) -> list[str]:
    """A document's words, then its word pairs, stop words dropped first (scikit-learn's word analyzer)."""
    words = [w for w in _TOKENS.findall(_normalise(doc)) if w not in ENGLISH_STOP_WORDS]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


_CHAR_NGRAMS: dict[str, list[str]] = {}  # a title word's character n-grams: words recur, so cut each once


def _word_char_ngrams(word: str, low: int = 3, high: int = 5) -> list[str]:
    """The n-grams scikit-learn's `char_wb` analyzer makes of one word (padded with a space at both ends)."""
    w = f" {word} "
    grams = []
    for n in range(low, high + 1):
        grams.extend(w[i : i + n] for i in range(max(len(w) - n + 1, 1)))
        if len(w) <= n:
            break  # a short word counts once
    return grams


def _title_char_ngrams(title: str) -> list[str]:
    """`char_wb` n-grams of a title, word by word from a cache."""
    out: list[str] = []
    for word in _normalise(title).split():
        grams = _CHAR_NGRAMS.get(word)
        if grams is None:
            if len(_CHAR_NGRAMS) > 500_000:
                _CHAR_NGRAMS.clear()
            grams = _CHAR_NGRAMS[word] = _word_char_ngrams(word)
        out.extend(grams)
    return out


class _Hashing:
    """Terms to the columns of one block, as HashingVectorizer hashes them."""

    def __init__(self, n_features: int):
        self.n_features = n_features
        self.columns: dict[str, int] = {}  # for explanations, which look up a few terms one by one (bounded)

    def column(self, term: str) -> int:
        column = self.columns.get(term)
        if column is None:
            if len(self.columns) > 1_000_000:
                self.columns.clear()
            column = self.columns[term] = abs(mmh3.hash(term)) % self.n_features
        return column

    def counts(self, rows: Iterable[Sequence[str]]) -> sp.csr_matrix:
        """One row of summed counts per list of terms."""
        return self.counts_and_columns(rows)[0]

    def counts_and_columns(self, rows: Iterable[Sequence[str]]) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """`counts`, and each term's column in reading order with the rows' offsets into them. The hashes are
        4-byte ints in an array, not Python objects: training hashes ~10 million terms."""
        hashes = array("i")
        indptr = [0]
        for terms in rows:
            hashes.extend(map(mmh3.hash, terms))  # signed 32-bit, seed 0
            indptr.append(len(hashes))
        # abs() in 64 bits: HashingVectorizer maps -2**31 to what abs(-2**31) % n would be, which this is.
        columns = np.abs(np.frombuffer(hashes, dtype=np.int32).astype(np.int64)) % self.n_features
        offsets = np.asarray(indptr, np.int64)
        shape = (len(indptr) - 1, self.n_features)
        out = sp.csr_matrix((np.ones(len(columns), np.float32), columns.astype(np.int32), offsets), shape=shape)
        out.sum_duplicates()
        return out, columns, offsets


_WORDS = _Hashing(N_WORD)
_CHARS = _Hashing(N_CHAR)


def document(title: str, abstract: str | None) -> str:
    """The text the word features read: the title twice (it says most per word), then the abstract."""
    title = (title or "").strip()
    return f"{title}. {title}. {(abstract or '').strip()}".strip()


def counts(titles: Sequence[str], abstracts: Sequence[str | None], chars: bool = True) -> sp.csr_matrix:
    """Raw hashed counts, one row per paper: word 1-2 grams of title+abstract, then title character n-grams
    (`chars` off: that block left empty, for papers only a relevance head without them reads).
    (Streams the texts: training counts tens of thousands of papers and keeps none of their terms.)"""
    words = _WORDS.counts(_word_terms(document(t, a)) for t, a in zip(titles, abstracts, strict=True))
    if not chars:
        empty = sp.csr_matrix((len(titles), N_CHAR), dtype=np.float32)
        return sp.hstack([words, empty], format="csr", dtype=np.float32)
    char_counts = _CHARS.counts(_title_char_ngrams(t or "") for t in titles)
    return sp.hstack([words, char_counts], format="csr", dtype=np.float32)


@dataclass(frozen=True)
class Analysed:
    """Papers' words and word pairs in reading order (title first), with the word column of each term."""

    terms: list[list[str]]
    columns: np.ndarray  # all papers' terms' columns, concatenated
    offsets: np.ndarray  # paper i's terms are columns[offsets[i]:offsets[i + 1]]


def counts_and_terms(titles: Sequence[str], abstracts: Sequence[str | None]) -> tuple[sp.csr_matrix, Analysed]:
    """`counts`, and each paper's terms with their columns, to explain it."""
    terms = [_word_terms(document(t, a)) for t, a in zip(titles, abstracts, strict=True)]
    words, columns, offsets = _WORDS.counts_and_columns(terms)
    chars = _CHARS.counts(_title_char_ngrams(t or "") for t in titles)
    return sp.hstack([words, chars], format="csr", dtype=np.float32), Analysed(terms, columns, offsets)


def term_column(term: str) -> int:
    """The word-block column a term hashes to."""
    return _WORDS.column(term)


def first_terms_for(analysed: Analysed, wanted: Sequence[Sequence[int]]) -> dict[tuple[int, int], str]:
    """For each paper (row) and each of its wanted word-block columns, the first of its terms (in reading
    order: the title first) that hashes there. All papers at once: each term's (row, column) is matched against
    the wanted pairs, and the first position of each pair kept."""
    n_rows = len(analysed.terms)
    want = np.repeat(np.arange(n_rows, dtype=np.int64), [len(w) for w in wanted]) * N_WORD
    want += np.fromiter((c for w in wanted for c in w), dtype=np.int64, count=len(want))
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(analysed.offsets))
    keys = rows * N_WORD + analysed.columns
    hits = np.flatnonzero(np.isin(keys, want))
    pairs, first = np.unique(keys[hits], return_index=True)  # np.unique keeps each value's first position
    positions = hits[first]
    rows_of = pairs // N_WORD
    terms = analysed.terms
    return {
        (row, column): terms[row][position]
        for row, column, position in zip(rows_of.tolist(), (pairs % N_WORD).tolist(),
                                         (positions - analysed.offsets[rows_of]).tolist(), strict=True)
    }


def analyse(title: str, abstract: str | None) -> list[str]:
    """The words and word pairs of a paper as the word features see them (for explanations)."""
    return _word_terms(document(title, abstract))


@dataclass
class Weighting:
    """TF-IDF on the columns a training run kept: sublinear tf, idf, l2 per block, the character block scaled."""

    columns: np.ndarray  # kept feature columns (sorted), into the N_FEATURES hashed space
    idf: np.ndarray  # per kept column
    char_weight: float

    @classmethod
    def fit(
        cls, X: sp.csr_matrix | Sequence[sp.csr_matrix], min_df: int, max_df: float, char_weight: float
    ) -> Weighting:
        """Document frequencies over the rows of X (or of several blocks of rows, never stacked: memory)."""
        blocks = [X] if sp.issparse(X) else list(X)
        df = sum(np.bincount(sp.csr_matrix(b).indices, minlength=N_FEATURES) for b in blocks)
        n = sum(b.shape[0] for b in blocks)
        if char_weight == 0:
            df[N_WORD:] = 0  # no character columns at all: a smaller matrix, faster fits
        keep = np.flatnonzero((df >= min_df) & (df <= max_df * n))
        idf = np.log((1 + n) / (1 + df[keep])) + 1.0
        return cls(keep.astype(np.int64), idf.astype(np.float32), char_weight)

    def _select(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """The kept columns, renumbered: a lookup of the indices (faster than column fancy-indexing)."""
        if getattr(self, "_lookup", None) is None:
            self._lookup = np.full(N_FEATURES, -1, dtype=np.int64)
            self._lookup[self.columns] = np.arange(len(self.columns))
        X = sp.csr_matrix(X)
        mapped = self._lookup[X.indices]
        keep = mapped >= 0
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        indptr = np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=X.shape[0]))]
        shape = (X.shape[0], len(self.columns))
        out = sp.csr_matrix((X.data[keep].astype(np.float32), mapped[keep], indptr), shape=shape)
        out.sort_indices()
        return out

    @property
    def n_word_columns(self) -> int:
        return int(np.searchsorted(self.columns, N_WORD))

    def transform(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf x idf, each block (words, title characters) l2-normalised per row, the character block
        scaled; computed in place on the selected columns (training transforms tens of thousands of rows)."""
        X = self._select(X)
        np.log(np.maximum(X.data, 1.0), out=X.data)
        X.data += 1.0
        X.data *= self.idf[X.indices]
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        is_char = X.indices >= self.n_word_columns
        block = rows * 2 + is_char  # one norm per row and block
        norms = np.sqrt(np.bincount(block, weights=X.data.astype(np.float64) ** 2, minlength=2 * X.shape[0]))
        norms[norms == 0] = 1.0
        X.data /= norms[block].astype(np.float32)
        X.data[is_char] *= self.char_weight
        return X


# ---- authors ----------------------------------------------------------------------------------------


def author_key(name: str) -> str:
    """`Kaiming He` → `kaiming he`: first and last name, accents, case and middle names folded away.
    (Surname and initial would make every "Y. Wang" one author: a third of all papers would match.)"""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[a-z]+", text)
    if len(words) < 2 or len(words[0]) < 2:
        return ""  # an initial alone cannot tell authors apart
    return f"{words[0]} {words[-1]}"


def author_counts(key_lists: Iterable[Sequence[str]]) -> Counter[str]:
    """How many list entries each author (by key, see author_key) has."""
    counts: Counter[str] = Counter()
    for keys in key_lists:
        counts.update({k for k in keys if k})
    return counts


def list_author_count(keys: Sequence[str], known: Counter[str], own_entry: bool = False) -> int:
    """How many of a paper's authors (by key) have entries in the list; `own_entry`: the paper is one of
    those entries, which does not count for itself."""
    return sum(1 for k in set(keys) if k and known.get(k, 0) - (1 if own_entry else 0) > 0)


def author_feature(n_list_authors: Sequence[int], cap: int = 3) -> np.ndarray:
    """The author evidence: list authors on the paper, 0..cap, scaled to 0..1."""
    return np.minimum(np.asarray(n_list_authors, dtype=np.float32), cap) / cap


def authored(keys: Sequence[Sequence[str]]) -> int:
    """How many of the papers carry an author: a paper without any can tell nothing of how common a name is."""
    return sum(1 for paper in keys if any(paper))


@dataclass(frozen=True)
class AuthorRates:
    """How often each name stands on the list's entries and on recent papers that carry authors (the negatives):
    the ground of the author evidence. A list author counts by the log of the ratio of the two rates (smoothed on
    the recent side): a common name (`yang liu`) that is everywhere counts for little, a rare name of the list
    for much."""

    listed: Counter[str]
    recent: Counter[str]
    n_listed: int
    n_recent: int  # recent papers that carry an author

    @classmethod
    def of(cls, positive_keys: Sequence[Sequence[str]], negative_keys: Sequence[Sequence[str]]) -> AuthorRates:
        return cls(author_counts(positive_keys), author_counts(negative_keys), max(len(positive_keys), 1),
                   max(authored(negative_keys), 1))  # fmt: skip

    def log_ratio(self, key: str, listed_less: int = 0, recent_less: int = 0) -> float | None:
        """The name's log-ratio, `listed_less` of its list entries and `recent_less` of its recent papers left out
        (a paper's own occurrence); None when no list entry is left."""
        listed = self.listed.get(key, 0) - listed_less
        if listed <= 0:
            return None
        recent = self.recent.get(key, 0) - recent_less
        return math.log((listed / max(self.n_listed - listed_less, 1)) / ((recent + 1) / (self.n_recent + 1)))

    def weights(self) -> dict[str, float]:
        """Every list author's log-ratio (the model keeps these to score papers it has not seen)."""
        return {k: w for k in self.listed if (w := self.log_ratio(k)) is not None}

    def own_evidence(self, keys: Sequence[Sequence[str]], cap: float, side: str) -> np.ndarray:
        """The evidence of papers counted in these rates (`side`: "positive", the list's entries, or "negative"):
        each leaves its own occurrence out, so that no paper is evidence for itself."""
        less = (1, 0) if side == "positive" else (0, 1)
        return _strongest(keys, lambda k: self.log_ratio(k, *less), cap)


def author_evidence(keys: Sequence[Sequence[str]], weights: dict[str, float], cap: float) -> np.ndarray:
    """Each paper's author evidence: its strongest list author's log-ratio (`weights`), 0..`cap` (0 without one)."""
    return _strongest(keys, weights.get, cap)


def _strongest(keys: Sequence[Sequence[str]], weight_of: Callable[[str], float | None], cap: float) -> np.ndarray:
    out = np.zeros(len(keys), dtype=np.float64)
    for i, paper in enumerate(keys):
        found = [w for k in set(paper) if (w := weight_of(k)) is not None]
        out[i] = min(max([0.0, *found]), cap)
    return out
