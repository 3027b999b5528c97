"""The peers' methods as the evaluation runs them."""

from __future__ import annotations

import numpy as np

from mimwatch.classify.baselines import arxiv_sanity_scores, embedding_scores, keyword_scores
from mimwatch.classify.data import Example


def test_keyword_baseline_matches_phrases():
    papers = [Example("1", "Masked Autoencoders for X"), Example("2", "A GAN", "no masking words here")]
    assert list(keyword_scores(papers)) == [1.0, 0.0]


def test_embedding_baseline_weights_newest_items_most():
    library = [Example("2301.00001", "old"), Example("2401.00001", "new")]

    def encode(texts):  # one-hot "embeddings": old -> e0, new -> e1, a candidate is like one of them
        table = {"old. ": [1.0, 0.0], "new. ": [0.0, 1.0], "like-old. ": [1.0, 0.0], "like-new. ": [0.0, 1.0]}
        return np.array([table[t] for t in texts])

    scores = embedding_scores(library, [Example("a", "like-old"), Example("b", "like-new")], encode)
    w_newest, w_next = 1 / (1 + np.log10(2)), 1 / (1 + np.log10(3))
    total = w_newest + w_next
    assert np.allclose(scores, [10 * w_next / total, 10 * w_newest / total])


def test_arxiv_sanity_baseline_ranks_the_topic_first():
    pos = [Example(f"p{i}", f"masked autoencoder pretraining {i}", "masked image modeling vision") for i in range(6)]
    neg = [Example(f"n{i}", f"graph neural network {i}", "molecule property prediction chemistry") for i in range(40)]
    neg += [Example(f"m{i}", f"language model {i}", "text generation dialogue") for i in range(40)]
    scores = arxiv_sanity_scores(pos, neg, [Example("q1", "masked autoencoder", "masked image modeling"),
                                            Example("q2", "graph network", "molecule chemistry")])  # fmt: skip
    assert scores[0] > scores[1]
