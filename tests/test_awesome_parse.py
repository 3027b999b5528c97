"""What the parser reads out of real entries of both formats, and how it refuses bad input."""

from __future__ import annotations

import pytest

from mimwatch.awesome import Link, arxiv_id_from_url, load, parse
from mimwatch.errors import ListFormatError


def test_inline_entry_fields(may_text):
    doc = parse(may_text)
    mae = doc.find(arxiv_id="2111.06377")
    assert mae is not None
    assert mae.format == "inline"
    assert mae.abbreviation == "MAE"
    assert mae.title == "Masked Autoencoders Are Scalable Vision Learners"
    assert mae.authors[0] == "Kaiming He" and mae.authors[-1] == "Ross Girshick"
    assert (mae.venue, mae.year, mae.venue_tag) == ("CVPR", 2022, "CVPR'2022")
    assert mae.paper_url == "https://arxiv.org/abs/2111.06377"
    assert mae.code_url == "https://github.com/facebookresearch/mae"
    assert mae.image_url.endswith("1b854627-597b-416a-aa85-23dc6c87b59e.png")
    assert mae.section == "MIM for Transformers"
    assert mae.raw.startswith("* **MAE**: Kaiming He") and mae.raw.count("\n") == 3
    assert (mae.line, mae.end_line) == (60, 62)


def test_inline_entry_without_abbreviation_and_title_ending_in_question_mark(may_text):
    doc = parse(may_text)
    imae = [e for e in doc.entries if e.arxiv_id == "2210.11470"][-1]
    assert imae.abbreviation is None
    assert imae.authors == ("Kevin Zhang", "Zhiqiang Shen")
    assert imae.title == "i-MAE: Are Latent Representations in Masked Autoencoders Linearly Separable?"
    assert imae.section == "Analysis and Understanding of MIM"


def test_br_entry_fields(dec_text):
    doc = parse(dec_text)
    mae = doc.find(arxiv_id="2111.06377")
    assert mae.format == "br"
    assert mae.title == "Masked Autoencoders Are Scalable Vision Learners"
    assert mae.abbreviation == "MAE"  # from <summary>MAE Framework</summary>
    assert mae.venue_tag == "CVPR'2022"
    assert mae.code_url == "https://github.com/facebookresearch/mae"
    assert mae.figure.splitlines()[0].strip() == "<details close>"


def test_br_entry_with_venue_on_its_own_line_and_a_project_link(dec_text):
    doc = parse(dec_text)
    imagebart = doc.find(
        title="ImageBART: Bidirectional Context with Multinomial Diffusion for Autoregressive Image Synthesis"
    )
    assert imagebart.venue_tag == "NeurIPS'2021"
    assert imagebart.paper_url == "https://openreview.net/pdf?id=-1AAgrS5FF"
    assert imagebart.arxiv_id is None
    assert imagebart.code_url == "https://github.com/CompVis/imagebart"
    assert imagebart.other_links == (Link("Project", "https://compvis.github.io/imagebart/"),)
    assert imagebart.section == "Image Generation"


def test_headings_form_a_tree(dec_text):
    doc = parse(dec_text)
    detection = doc.heading("Object Detection")
    assert (detection.level, detection.parent) == (3, "MIM for Downstream Tasks")
    assert (
        doc.heading("Audio and Speech").parent
        == "Awesome Masked Modeling for Self-supervised Vision Represention and Beyond"
    )
    assert doc.heading("object  detection") == detection
    assert "Contribution" not in doc.sections and "Image Generation" in doc.sections


def test_intro_bullets_and_the_contribution_template_are_not_entries(dec_text):
    doc = parse(dec_text)
    assert not any(e.title in ("TITLE",) for e in doc.entries)
    assert all(e.section != "Introduction" for e in doc.entries)


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2111.06377",
        "http://arxiv.org/abs/2111.06377v3",
        "https://arxiv.org/pdf/2111.06377",
        "https://arxiv.org/pdf/2111.06377v2.pdf",
        "https://arxiv.org/pdf/2111.06377.pdf",
        "https://export.arxiv.org/abs/2111.06377",
    ],
)
def test_arxiv_ids_are_version_insensitive(url):
    assert arxiv_id_from_url(url) == "2111.06377"


def test_old_style_and_missing_arxiv_ids():
    assert arxiv_id_from_url("https://arxiv.org/abs/cs/0601001v1") == "cs/0601001"
    assert arxiv_id_from_url("https://openreview.net/forum?id=abc") is None
    assert arxiv_id_from_url(None) is None


def test_half_written_br_entry_names_the_line():
    text = "# L\n\n## S\n\n* **Title Only**<br>\n\n* **Ok**<br>\n*A*<br>\nArXiv'2022 [[Paper](https://arxiv.org/abs/2201.00001)]\n"
    with pytest.raises(ListFormatError) as info:
        parse(text, path="README.md")
    assert info.value.line == 5
    assert str(info.value).startswith("README.md:5: half-written entry")
    assert "Title Only" in str(info.value)


def test_half_written_inline_entry_names_the_line():
    text = "## S\n\n* **ABC**: Some Author.\n\n* **DEF**: Other.\n   - T. [[ArXiv'2022](https://arxiv.org/abs/2201.00001)]\n"
    with pytest.raises(ListFormatError) as info:
        parse(text, path="L.md")
    assert info.value.line == 3
    assert "ABC" in str(info.value)


def test_binary_and_non_utf8_files_are_refused_with_a_line(tmp_path):
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"# ok\nline two\n\x00\x01\x02")
    with pytest.raises(ListFormatError, match=r"bin\.md:3: binary content"):
        load(binary)
    latin = tmp_path / "latin.md"
    latin.write_bytes("# ok\n\n* caf\xe9\n".encode("latin-1"))
    with pytest.raises(ListFormatError, match=r"latin\.md:3: not UTF-8"):
        load(latin)


def test_a_file_without_entries_is_an_unknown_structure(tmp_path):
    other = tmp_path / "other.md"
    other.write_text("# A README\n\n| paper | venue |\n|---|---|\n| MAE | CVPR |\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match="found no paper entries"):
        load(other)
    with pytest.raises(ListFormatError, match="cannot read the list"):
        load(tmp_path / "missing.md")
