"""Venue from comment / journal_ref: a table of real-looking strings, acceptances and non-acceptances."""

from __future__ import annotations

import pytest

from mimwatch.venues import Venue, find_venue, venue_family, venue_or_preprint

# (comment, journal_ref, expected tag with canonical spellings, or None for "not an acceptance")
CASES = [
    ("Accepted to CVPR 2023", None, "CVPR'2023"),
    ("ICCV 2023 (Oral)", None, "ICCV'2023"),
    ("NeurIPS 2022", None, "NeurIPS'2022"),
    ("Published at ICLR 2023", None, "ICLR'2023"),
    ("to appear in IEEE TPAMI", None, "TPAMI'2023"),
    ("Accepted by CVPR 2023 (highlight)", None, "CVPR'2023"),
    ("Accepted as an oral presentation at ECCV 2022", None, "ECCV'2022"),
    ("ECCV 2022 (Oral Presentation). Code: https://github.com/a/b", None, "ECCV'2022"),
    ("13 pages, 5 figures, accepted by ICCV 2023", None, "ICCV'2023"),
    ("8 pages, 4 figures, CVPR 2023", None, "CVPR'2023"),
    ("Published as a conference paper at ICLR 2023", None, "ICLR'2023"),
    ("NeurIPS 2023 camera-ready version", None, "NeurIPS'2023"),
    ("Accepted at ICLR 2024 (spotlight); code at github.com/x/y", None, "ICLR'2024"),
    ("Paper accepted for presentation at MICCAI 2023", None, "MICCAI'2023"),
    ("Accepted by IEEE Transactions on Geoscience and Remote Sensing (TGRS)", None, "TGRS'2023"),
    ("Accepted to appear at AAAI-23", None, "AAAI'2023"),
    ("ICCV23", None, "ICCV'2023"),
    ("Oral at NeurIPS'22", None, "NeurIPS'2022"),
    ("Accepted to the 3DV 2024 conference", None, "3DV'2024"),
    ("Accepted to WACV 2024. Supersedes arXiv:2301.00001", None, "WACV'2024"),
    ("Extended version of our CVPR 2022 paper, accepted to TPAMI", None, "TPAMI'2023"),
    ("Accepted to TPAMI. Extended version of the ECCV 2022 paper", None, "TPAMI'2023"),
    ("Accepted by IEEE TPAMI 2024", None, "TPAMI'2024"),
    ("To be published in IEEE Transactions on Image Processing", None, "TIP'2023"),
    ("Accepted at BMVC 2022", None, "BMVC'2022"),
    ("Accepted by ACM MM 2023", None, "ACMMM'2023"),
    ("Accepted to ACM Multimedia 2022", None, "ACMMM'2022"),
    ("Accepted by Interspeech 2023", None, "Interspeech'2023"),
    ("ICASSP 2024", None, "ICASSP'2024"),
    ("Findings of EMNLP 2023", None, "EMNLP'2023"),
    ("NeurIPS 2022 Datasets and Benchmarks Track", None, "NeurIPS'2022"),
    ("Accepted to SIGGRAPH Asia 2023", None, "SIGGRAPH Asia'2023"),
    ("Accepted by IJCV", None, "IJCV'2023"),
    ("Accepted in Medical Image Analysis", None, "MedIA'2023"),
    ("Accepted to TMLR", None, "TMLR'2023"),
    # Workshops keep "Workshop".
    ("Accepted to ICCV 2023 Workshop on Resource Efficient Deep Learning", None, "ICCV Workshop'2023"),
    ("CVPRW 2023", None, "CVPR Workshop'2023"),
    ("Accepted at the ICLR 2023 workshop on Multimodal Representation Learning", None, "ICLR Workshop'2023"),
    ("NeurIPS 2023 Workshop: Self-Supervised Learning - Theory and Practice", None, "NeurIPS Workshop'2023"),
    # journal_ref is a publication record: a known venue there counts.
    (
        None,
        "IEEE Transactions on Pattern Analysis and Machine Intelligence, 45(3):1234-1250, 2023",
        "TPAMI'2023",
    ),
    (
        None,
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR), 2023, pp. 1-10",
        "CVPR'2023",
    ),
    ("10 pages", "ICCV 2021", "ICCV'2021"),
    (
        "Accepted to the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR), 2022",
        None,
        "CVPR'2022",
    ),
    # Not acceptances.
    ("Submitted to CVPR 2023", None, None),
    ("Under review at NeurIPS 2023", None, None),
    ("Under submission to ECCV'22", None, None),
    ("CVPR 2023 submission", None, None),
    ("Rejected from CVPR 2023; revised", None, None),
    ("Journal extension of our ICCV 2021 paper", None, None),
    ("The conference version was published at CVPR 2022", None, None),
    ("1st place solution for the CVPR 2023 Ego4D challenge", None, None),
    ("Technical report, 12 pages", None, None),
    ("This work has been submitted to the IEEE for possible publication", None, None),
    ("Preprint. Under review.", None, None),
    ("arXiv admin note: text overlap with arXiv:2103.14030", None, None),
    ("Project page: https://masked.github.io", None, None),
    ("We use the ICLR 2021 codebase of ViT", None, None),
    (None, "Statistical Science 2008, Vol. 23, No. 1, 65-68", None),
    ("", "", None),
]


@pytest.mark.parametrize("comment,journal_ref,expected", CASES, ids=[f"{c!s:.40}|{j!s:.20}" for c, j, _ in CASES])
def test_venue_table(comment, journal_ref, expected):
    found = find_venue(comment, journal_ref, fallback_year=2023)
    assert (found.tag() if found else None) == expected


def test_table_is_large_enough():
    assert len(CASES) >= 40
    assert sum(1 for *_, e in CASES if e is None) >= 12


def test_preprint_fallback_is_arxiv_year_of_v1():
    assert venue_or_preprint("Submitted to CVPR 2024", None, published_year=2023).tag() == "ArXiv'2023"
    assert venue_or_preprint(None, None, published_year=None) is None
    assert venue_or_preprint("to appear in IEEE TPAMI", None, 2022, updated_year=2024).tag() == "TPAMI'2024"


def test_spelled_as_the_list_spells_it():
    may_style = {"neurips": "NIPS", "arxiv": "ArXiv"}
    dec_style = {"neurips": "NeurIPS", "arxiv": "arXiv"}
    assert Venue("NeurIPS", 2022).tag(may_style) == "NIPS'2022"
    assert Venue("NeurIPS", 2022).tag(dec_style) == "NeurIPS'2022"
    assert Venue("ArXiv", 2023).tag(dec_style) == "arXiv'2023"
    assert Venue("ICCV", 2023, workshop=True).tag(dec_style) == "ICCV Workshop'2023"


def test_venue_families():
    assert venue_family("ArXiv") == venue_family("arXiv") == venue_family("Arxiv") == "arxiv"
    assert venue_family("NIP") == venue_family("NIPS") == venue_family("NeurIPS") == "neurips"
    assert venue_family("ACM MM") == venue_family("ACMMM")
