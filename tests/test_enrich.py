"""Code links, project pages and abbreviations: no link is better than a wrong one."""

from __future__ import annotations

import pytest

from mimwatch.enrich import abbreviation, code_link, enrich, project_link
from mimwatch.papers import Paper


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Code is publicly available at https://github.com/Haochen-Wang409/DropPos.",
            "https://github.com/Haochen-Wang409/DropPos",
        ),
        ("Code: github.com/facebookresearch/mae", "https://github.com/facebookresearch/mae"),
        (
            "Code and models at https://github.com/OpenGVLab/VideoMAEv2.git).",
            "https://github.com/OpenGVLab/VideoMAEv2",
        ),
        ("see https://github.com/a-b/c_d/tree/main/configs for configs", "https://github.com/a-b/c_d"),
        ("Our code: https://gitlab.com/group/project;", "https://gitlab.com/group/project"),
        (
            "Models are released at https://huggingface.co/facebook/vit-mae-base.",
            "https://huggingface.co/facebook/vit-mae-base",
        ),
        ("Demo at https://huggingface.co/spaces/user/demo", "https://huggingface.co/spaces/user/demo"),
        # Several repositories: only the one presented as the paper's code.
        (
            "We compare to github.com/x/baseline. Our code is available at github.com/me/ours",
            "https://github.com/me/ours",
        ),
        ("Experiments use github.com/x/one and github.com/y/two.", None),
        # Somebody else's code the paper builds on.
        ("Our method is built upon the implementation of https://github.com/facebookresearch/mae", None),
        ("See https://github.com/orgs/community/discussions", None),
        ("Read more at https://huggingface.co/papers/2401.00001", None),
        ("Project page: https://masked.github.io/", None),
        ("No links here.", None),
    ],
)
def test_code_link(text, expected):
    assert code_link(text) == expected


def test_project_pages_are_not_code():
    assert (
        project_link("Project page: https://masked-things.github.io/paper/.")
        == "https://masked-things.github.io/paper/"
    )
    assert project_link("code at github.com/a/b") is None


@pytest.mark.parametrize(
    "title,expected",
    [
        ("SimMIM: A Simple Framework for Masked Image Modeling", "SimMIM"),
        ("BEiT: BERT Pre-Training of Image Transformers", "BEiT"),
        ("iBOT: Image BERT Pre-Training with Online Tokenizer", "iBOT"),
        ("i-MAE: Are Latent Representations in Masked Autoencoders Linearly Separable?", "i-MAE"),
        ("data2vec: A General Framework for Self-supervised Learning", "data2vec"),
        ("wav2vec 2.0: A Framework for Self-Supervised Learning of Speech Representations", "wav2vec 2.0"),
        ("VideoMAE V2: Scaling Video Masked Autoencoders with Dual Masking", "VideoMAE V2"),
        ("NÜWA: Visual Synthesis Pre-training for Neural visUal World creAtion", "NÜWA"),
        ("MC-SSL0.0: Towards Multi-Concept Self-Supervised Learning", "MC-SSL0.0"),
        ("Masked Autoencoders: A Survey", None),
        ("Diffusion: A Tale", None),
        ("Masked Autoencoders Are Scalable Vision Learners", None),
    ],
)
def test_abbreviation(title, expected):
    assert abbreviation(title) == expected


def test_enrich_uses_the_lists_spelling_and_v1_year():
    paper = Paper.build(
        id="2205.14540v3",
        title="SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners",
        abstract="Code is available at https://github.com/enyac-group/supmae.",
        comment="Accepted to NeurIPS 2023",
        published="2022-05-28",
    )
    assert enrich(paper).venue.tag({"neurips": "NIPS"}) == "NIPS'2023"
    preprint = paper.with_(comment="Submitted to NeurIPS 2023", published=None)
    result = enrich(preprint)
    assert result.venue.tag({"arxiv": "arXiv"}) == "arXiv'2022"  # the year of v1, read from the id
    assert result.code == "https://github.com/enyac-group/supmae"
    assert result.abbreviation == "SupMAE"
