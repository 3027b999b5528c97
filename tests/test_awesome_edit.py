"""Edits change only the bytes they must: each test states the exact diff."""

from __future__ import annotations

import difflib

import pytest

from mimwatch.awesome import Entry, parse, render
from mimwatch.awesome.edit import add_entries, add_section, move_entry, remove_entry, render_entry, update_entry
from mimwatch.errors import ListEditError

NEW = Entry(
    title="Masked Things: <Are> [Great]",
    authors=("Zoë Ünal", "Bo Li"),
    venue="CVPR",
    year=2024,
    paper_url="https://arxiv.org/abs/2401.00001",
    code_url="https://github.com/zoe/masked-things",
)
PLAIN = Entry(
    title="Second Paper?",
    authors=("Xi Yu",),
    venue="ArXiv",
    year=2024,
    paper_url="https://arxiv.org/abs/2401.00002",
)


def diff(before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=1))[len("--- \n+++ \n") :]


def test_add_entries_to_a_br_section(dec_text):
    # The section's one entry stands in a tight list: the new ones join it without blank lines, so that GitHub
    # renders the old entry as it did (a blank line would make every item of the list a paragraph).
    doc = parse(dec_text)
    edited = add_entries(doc, "Face Recognition", [NEW, PLAIN])
    assert diff(dec_text, render(edited)) == (
        "@@ -1480,2 +1480,9 @@\n"
        " ArXiv'2022 [[Paper](https://arxiv.org/abs/2205.11090)] [Code](https://github.com/kaiwang960112/FaceMAE)]\n"
        "+* **Masked Things: &lt;Are&gt; \\[Great\\]**<br>\n"
        "+*Zoë Ünal, Bo Li*<br>\n"
        "+CVPR'2024 [[Paper](https://arxiv.org/abs/2401.00001)]\n"
        "+[[Code](https://github.com/zoe/masked-things)]\n"
        "+* **Second Paper?**<br>\n"
        "+*Xi Yu*<br>\n"
        "+ArXiv'2024 [[Paper](https://arxiv.org/abs/2401.00002)]\n"
        " \n"
    )
    assert [e.fields for e in edited.entries_in("Face Recognition")[1:]] == [NEW.fields, PLAIN.fields]


def test_add_entries_to_an_inline_section_keeps_it_unspaced(may_text):
    edited = add_entries(parse(may_text), "Face Recognition", [NEW])
    assert diff(may_text, render(edited)) == (
        "@@ -402,2 +402,4 @@\n"
        "    - FaceMAE: Privacy-Preserving Face Recognition via Masked Autoencoders. [[ArXiv'2022](https://arxiv.org/abs/2205.11090)] [[code](https://github.com/kaiwang960112/FaceMAE)]\n"
        "+* Zoë Ünal, Bo Li.\n"
        "+   - Masked Things: &lt;Are&gt; \\[Great\\]. [[CVPR'2024](https://arxiv.org/abs/2401.00001)] [[code](https://github.com/zoe/masked-things)]\n"
        " \n"
    )


def test_add_entries_keeps_crlf_line_endings(dec_text):
    crlf = dec_text.replace("\n", "\r\n")
    edited = render(add_entries(parse(crlf), "Face Recognition", [NEW]))
    assert "\n" not in edited.replace("\r\n", "")
    assert edited.replace("\r\n", "\n") == render(add_entries(parse(dec_text), "Face Recognition", [NEW]))


def test_add_entries_to_a_list_without_final_newline():
    text = "## S\n\n* **Old**<br>\n*A*<br>\nArXiv'2022 [[Paper](https://arxiv.org/abs/2201.00001)]"
    edited = render(add_entries(parse(text), "S", [PLAIN]))
    assert edited == (
        text + "\n* **Second Paper?**<br>\n*Xi Yu*<br>\nArXiv'2024 [[Paper](https://arxiv.org/abs/2401.00002)]"
    )  # one entry: a tight list, kept tight


def test_update_venue_and_add_code_in_a_br_entry(dec_text):
    doc = parse(dec_text)
    entry = doc.find(arxiv_id="2303.08481")  # SeqCo-DETR, ArXiv'2022, no code link
    edited = update_entry(doc, entry, venue="ICCV", year=2023, code_url="https://github.com/x/seqco")
    assert diff(dec_text, render(edited)) == (
        "@@ -1120,3 +1120,3 @@\n"
        " *Guoqiang Jin, Fan Yang, Mingshan Sun, Ruyi Zhao, Yakun Liu, Wei Li, Tianpeng Bao, Liwei Wu, Xingyu Zeng, Rui Zhao*<br>\n"
        "-ArXiv'2022 [[Paper](https://arxiv.org/abs/2303.08481)]\n"
        "+ICCV'2023 [[Paper](https://arxiv.org/abs/2303.08481)] [[Code](https://github.com/x/seqco)]\n"
        "    <details close>\n"
    )


def test_update_code_link_that_stands_on_its_own_line(dec_text):
    doc = parse(dec_text)
    entry = doc.find(arxiv_id="2111.06377")
    edited = update_entry(doc, entry, code_url="https://github.com/new/mae")
    assert diff(dec_text, render(edited)) == (
        "@@ -89,3 +89,3 @@\n"
        " CVPR'2022 [[Paper](https://arxiv.org/abs/2111.06377)]\n"
        "-[[Code](https://github.com/facebookresearch/mae)]\n"
        "+[[Code](https://github.com/new/mae)]\n"
        "    <details close>\n"
    )


def test_add_code_when_links_stand_one_a_line(dec_text):
    doc = parse(dec_text)
    entry = doc.find(title="Discrete Variational Autoencoders", authors=("Jason Tyler Rolfe",))
    assert entry.code_url is not None
    text = render(doc).replace("[[Code](https://github.com/openai/DALL-E)]\n", "")
    doc = parse(text)
    entry = doc.find(arxiv_id="1609.02200")
    assert entry.code_url is None
    edited = update_entry(doc, entry, code_url="https://github.com/openai/DALL-E")
    assert render(edited) == render(parse(dec_text))


def test_update_venue_in_an_inline_entry(may_text):
    doc = parse(may_text)
    entry = doc.find(arxiv_id="2205.14540")  # SupMAE, ArXiv'2022 with code
    edited = update_entry(doc, entry, venue="CVPR", year=2023)
    assert diff(may_text, render(edited)) == (
        "@@ -92,3 +92,3 @@\n"
        " * **SupMAE**: Feng Liang, Yangguang Li, Diana Marculescu.\n"
        "-   - SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners. [[ArXiv'2022](https://arxiv.org/abs/2205.14540)] [[code](https://github.com/cmu-enyac/supmae)]\n"
        "+   - SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners. [[CVPR'2023](https://arxiv.org/abs/2205.14540)] [[code](https://github.com/cmu-enyac/supmae)]\n"
        '    <p align="center"><img width="65%" src="https://user-images.githubusercontent.com/44519745/204305079-c99782a4-ba5f-4785-a2c6-4990da13a493.png" /></p>\n'
    )


def test_add_code_to_an_inline_entry(may_text):
    doc = parse(may_text)
    entry = doc.find(arxiv_id="2203.05175")  # MVP, no code
    edited = update_entry(doc, entry, code_url="https://github.com/mvp/mvp")
    changed = [line for line in diff(may_text, render(edited)).splitlines() if line.startswith(("+", "-"))]
    assert changed == [
        "-   - MVP: Multimodality-guided Visual Pre-training. [[ArXiv'2022](https://arxiv.org/abs/2203.05175)]",
        "+   - MVP: Multimodality-guided Visual Pre-training. [[ArXiv'2022](https://arxiv.org/abs/2203.05175)] [[code](https://github.com/mvp/mvp)]",
    ]


def test_add_subsection_with_its_toc_line(dec_text):
    edited = add_section(parse(dec_text), "Robotics", parent="MIM for Downstream Tasks")
    assert diff(dec_text, render(edited)) == (
        "@@ -36,2 +36,3 @@\n"
        "     - [3D Point Cloud](#3d-point-cloud)\n"
        "+    - [Robotics](#robotics)\n"
        "   - [Audio and Speech](#audio-and-speech)\n"
        "@@ -1591,2 +1592,4 @@\n"
        " \n"
        "+### Robotics\n"
        "+\n"
        " ## Audio and Speech\n"
    )
    with_entry = add_entries(edited, "Robotics", [PLAIN])
    robotics = with_entry.entries_in("Robotics")
    assert [e.title for e in robotics] == ["Second Paper?"]
    assert "### Robotics\n\n* **Second Paper?**<br>\n*Xi Yu*<br>\nArXiv'2024" in render(with_entry)
    assert "\n\n\n" not in render(with_entry)[render(with_entry).index("### Robotics") - 3 :][:200]


def test_add_subsection_before_back_to_top_line(may_text):
    edited = add_section(parse(may_text), "Robotics", parent="MIM for Downstream Tasks")
    lines = render(edited).splitlines()
    at = lines.index("### Robotics")
    assert lines[at - 2 : at + 3] == [
        "   - Contrastive Audio-Visual Masked Autoencoder. [[ICLR'2023](https://arxiv.org/abs/2210.07839)]",
        "",
        "### Robotics",
        "",
        '<p align="right">(<a href="#top">back to top</a>)</p>',
    ]
    assert "    - [Robotics](#robotics)" in lines[lines.index("    - [Audio](#audio)") + 1]


def test_add_top_level_section(dec_text):
    edited = add_section(parse(dec_text), "Tokenizers")
    assert diff(dec_text, render(edited)) == (
        "@@ -40,2 +40,3 @@\n"
        "   - [Survey](#survey)\n"
        "+  - [Tokenizers](#tokenizers)\n"
        "   - [Contribution](#contribution)\n"
        "@@ -1718,2 +1719,4 @@\n"
        " ArXiv'2022 [[Paper](https://arxiv.org/abs/2208.00173)]\n"
        "+\n"
        "+## Tokenizers\n"
        " \n"
    )


def test_edit_errors_are_clear(dec_text):
    doc = parse(dec_text)
    with pytest.raises(ListEditError, match="no section 'Robotics'"):
        add_entries(doc, "Robotics", [NEW])
    with pytest.raises(ListEditError, match="already has a section"):
        add_section(doc, "Object Detection", parent="MIM for Downstream Tasks")
    with pytest.raises(ListEditError, match="needs a venue"):
        render_entry(Entry(title="T", authors=("A",), paper_url="https://arxiv.org/abs/2401.00003"), doc)


def test_remove_an_entry_and_one_blank_line_beside_it(dec_text, may_text):
    doc = parse(dec_text)
    entry = doc.find(arxiv_id="2303.08481")  # SeqCo-DETR, between two entries, blank lines on both sides
    edited = remove_entry(doc, entry)
    gone = diff(dec_text, render(edited))
    assert gone.count("\n-") == entry.end_line - entry.line + 2 and "\n+" not in gone  # its lines and one blank
    assert edited.find(arxiv_id="2303.08481") is None and len(edited.entries) == len(doc.entries) - 1
    inline = parse(may_text)
    (only,) = inline.entries_in("Face Recognition")  # the section's one entry: it and the blank line after it
    assert diff(may_text, render(remove_entry(inline, only))).count("\n-") == only.end_line - only.line + 2


def test_move_an_entry_keeps_its_fields_as_they_stand(dec_text):
    doc = parse(dec_text)
    entry = doc.find(arxiv_id="2303.08481")
    moved = move_entry(doc, entry, "Face Recognition")
    found = moved.find(arxiv_id="2303.08481")
    assert found.section == "Face Recognition" and found.fields == entry.fields
    with pytest.raises(ListEditError, match="no section 'Nowhere'"):
        move_entry(doc, entry, "Nowhere")
