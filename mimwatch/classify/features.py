"""What the model reads of a paper: hashed counts of its words, word pairs and title character n-grams,
and how many of its authors already have entries in the list.

The counts are hashed (no vocabulary), so papers counted at different times — the shipped negative sample,
the state's recent papers, a new list entry — live in one feature space, and the shipped sample is numbers,
not text. Weighting (IDF, sublinear tf, l2 per block) is fitted per training run on the columns it uses.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

WORD_BITS = 20
CHAR_BITS = 18
N_WORD = 2**WORD_BITS
N_CHAR = 2**CHAR_BITS
N_FEATURES = N_WORD + N_CHAR
# Words of 2+ characters that start with a letter, and 2D/3D/4D. No other token starting with a digit: years,
# counts and sizes ("2021", "7B") tell the pool's era from the list's. "3D" names sections ("3D Point Cloud").
TOKEN_PATTERN = r"(?u)\b(?:[a-zA-Z][a-zA-Z0-9]+|[0-9][dD])\b"

_words = HashingVectorizer(
    n_features=N_WORD, ngram_range=(1, 2), token_pattern=TOKEN_PATTERN, stop_words="english",
    strip_accents="unicode", lowercase=True, alternate_sign=False, norm=None, dtype=np.float32,
)  # fmt: skip
# Character n-grams within the title's words catch the coined names the field lives on (VideoMAE, MaskGIT).
_chars = HashingVectorizer(
    n_features=N_CHAR, analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode", lowercase=True,
    alternate_sign=False, norm=None, dtype=np.float32,
)  # fmt: skip
_char_preprocess = _chars.build_preprocessor()
_CHAR_NGRAMS: dict[str, list[str]] = {}  # a title word's character n-grams: words recur, so cut each once


def _word_char_ngrams(word: str, low: int = 3, high: int = 5) -> list[str]:
    """The n-grams sklearn's `char_wb` analyzer makes of one word (padded with a space at both ends)."""
    w = f" {word} "
    grams = []
    for n in range(low, high + 1):
        grams.extend(w[i : i + n] for i in range(max(len(w) - n + 1, 1)))
        if len(w) <= n:
            break  # a short word counts once
    return grams


def _title_char_ngrams(title: str) -> list[str]:
    """`char_wb` n-grams of a title, word by word from a cache: the same n-grams, about twice as fast warm."""
    out: list[str] = []
    for word in _char_preprocess(title).split():
        grams = _CHAR_NGRAMS.get(word)
        if grams is None:
            if len(_CHAR_NGRAMS) > 500_000:
                _CHAR_NGRAMS.clear()
            grams = _CHAR_NGRAMS[word] = _word_char_ngrams(word)
        out.extend(grams)
    return out


_cached_chars = HashingVectorizer(
    n_features=N_CHAR, analyzer=_title_char_ngrams, alternate_sign=False, norm=None, dtype=np.float32
)
_word_analyzer = _words.build_analyzer()
# The same hashing of words already analysed (so a paper is analysed once, and its terms kept to explain it).
_analysed_words = HashingVectorizer(
    n_features=N_WORD, analyzer=lambda terms: terms, alternate_sign=False, norm=None, dtype=np.float32
)


def document(title: str, abstract: str | None) -> str:
    """The text the word features read: the title twice (it says most per word), then the abstract."""
    title = (title or "").strip()
    return f"{title}. {title}. {(abstract or '').strip()}".strip()


def counts(titles: Sequence[str], abstracts: Sequence[str | None]) -> sp.csr_matrix:
    """Raw hashed counts, one row per paper: word 1-2 grams of title+abstract, then title character n-grams.
    (Streams the texts: training counts tens of thousands of papers and keeps none of their terms.)"""
    docs = [document(t, a) for t, a in zip(titles, abstracts, strict=True)]
    if not docs:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    words = _words.transform(docs)
    chars = _cached_chars.transform([t or "" for t in titles])
    return sp.hstack([words, chars], format="csr", dtype=np.float32)


def counts_and_terms(titles: Sequence[str], abstracts: Sequence[str | None]) -> tuple[sp.csr_matrix, list[list[str]]]:
    """`counts`, and each paper's words and word pairs in reading order (title first), to explain it."""
    terms = [_word_analyzer(document(t, a)) for t, a in zip(titles, abstracts, strict=True)]
    if not terms:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32), []
    words = _analysed_words.transform(terms)
    chars = _cached_chars.transform([t or "" for t in titles])
    return sp.hstack([words, chars], format="csr", dtype=np.float32), terms


_COLUMNS: dict[str, int] = {}  # terms recur from paper to paper: each is hashed once (bounded)


def term_column(term: str) -> int:
    """The word-block column a term hashes to, as HashingVectorizer computes it (signed murmurhash3, seed 0)."""
    column = _COLUMNS.get(term)
    if column is None:
        if len(_COLUMNS) > 1_000_000:
            _COLUMNS.clear()
        h = murmurhash3_32(term, seed=0, positive=False)
        column = _COLUMNS[term] = (2**31 - 1 - (N_WORD - 1)) % N_WORD if h == -(2**31) else abs(h) % N_WORD
    return column


def first_terms_for(analysed: Sequence[Sequence[str]], wanted: Sequence[Sequence[int]]) -> dict[tuple[int, int], str]:
    """For each paper (row) and each of its wanted word-block columns, the first of its terms (in reading
    order: the title first) that hashes there. (A plain loop that stops at the last wanted column: faster
    here than matching all terms in bulk with numpy, measured.)"""
    names: dict[tuple[int, int], str] = {}
    cached = _COLUMNS.get  # the hot loop: a dict lookup, the function call only for a term not seen yet
    for row, (terms, columns) in enumerate(zip(analysed, wanted, strict=True)):
        left = set(columns)
        if not left:
            continue
        for term in terms:
            column = cached(term)
            if column is None:
                column = term_column(term)
            if column in left:
                names[(row, column)] = term
                left.discard(column)
                if not left:
                    break
    return names


def analyse(title: str, abstract: str | None) -> list[str]:
    """The words and word pairs of a paper as the word features see them (for explanations)."""
    return _word_analyzer(document(title, abstract))


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


def list_authors_of(authors: Sequence[str], known: Counter[str], own_entry: bool = False) -> list[str]:
    """The paper's authors who have entries in the list; `own_entry`: the paper is one of those entries,
    which does not count for itself."""
    out = []
    for a in authors:
        k = author_key(a)
        if k and known.get(k, 0) - (1 if own_entry else 0) > 0:
            out.append(a)
    return list(dict.fromkeys(out))


def author_feature(n_list_authors: Sequence[int], cap: int = 3) -> np.ndarray:
    """The author evidence: list authors on the paper, 0..cap, scaled to 0..1."""
    return np.minimum(np.asarray(n_list_authors, dtype=np.float32), cap) / cap
