"""The dedupe primitive: find a paper in the list by arXiv id (any version) or by fuzzy title + first author."""

from __future__ import annotations

import pytest

from mimwatch.awesome import parse


@pytest.fixture
def doc(dec_text):
    return parse(dec_text)


def test_find_by_id_ignores_versions(doc):
    assert doc.find(arxiv_id="2111.06377").title == "Masked Autoencoders Are Scalable Vision Learners"
    assert doc.find(arxiv_id="2111.06377v3") == doc.find(arxiv_id="2111.06377")
    assert doc.find(arxiv_id="2999.99999") is None


def test_find_by_title_tolerates_case_punctuation_and_small_edits(doc):
    found = doc.find(title="masked autoencoders are scalable vision learners.", authors=["Kaiming He", "X"])
    assert found is not None and found.arxiv_id == "2111.06377"
    assert doc.find(title="Masked Auto-encoders are Scaleable Vision Learners", authors=["K. He"]) == found


def test_find_by_title_checks_the_first_author(doc):
    assert doc.find(title="Masked Autoencoders Are Scalable Vision Learners", authors=["Someone Else"]) is None
    # Without authors on one side the title alone decides.
    assert doc.find(title="Masked Autoencoders Are Scalable Vision Learners") is not None


def test_find_does_not_confuse_similar_but_different_titles(doc):
    assert doc.find(title="Masked Autoencoders Are Scalable Audio Learners For Speech") is None
    assert doc.find(title="Masked Autoencoders As Spatiotemporal Learners").arxiv_id == "2205.09113"
