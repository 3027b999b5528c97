"""`mimwatch lint`: the real problems of the real lists, safe fixes only, text and JSON reports."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mimwatch.awesome import parse, render
from mimwatch.awesome.lint import fix, lint
from mimwatch.cli import main

from .conftest import DEC_LIST, MAY_LIST


def test_may_list_duplicates_are_found_with_both_lines(may_text):
    dups = [p for p in lint(parse(may_text)) if p.code == "duplicate"]
    assert [(p.line, p.message) for p in dups] == [
        (467, "same arXiv id 2205.13943 as the entry at line 270"),
        (477, "same arXiv id 2210.08344 as the entry at line 253"),
        (479, "same arXiv id 2210.11470 as the entry at line 158"),
    ]


def test_may_list_venue_spellings(may_text):
    spellings = [p for p in lint(parse(may_text)) if p.code == "venue-spelling"]
    assert all(p.fixable for p in spellings)
    assert {p.line for p in spellings if "NIP'2022" in p.message} == {254, 478}
    assert sum("arXiv'2023" in p.message for p in spellings) == 7


def test_dec_list_problems(dec_text):
    problems = lint(parse(dec_text))
    codes = {(p.line, p.code) for p in problems}
    assert (1480, "malformed-link") in codes  # `[Code](…)]` with a single bracket
    assert (978, "duplicate") in codes  # iGPT listed again under Image Generation, no arXiv link
    assert (1630, "duplicate") in codes  # two audio-visual MAEs linking the same arXiv id
    assert any("Arxiv'2018" in p.message for p in problems)
    assert any("NIPS'2020" in p.message and "NeurIPS" in p.message for p in problems)


def test_missing_fields_and_malformed_links_are_reported():
    text = (
        "## S\n\n"
        "* **No Venue**<br>\n*A B*<br>\n[[Paper](https://arxiv.org/abs/2201.00001)]\n\n"
        "* **Bad Url**<br>\n*C D*<br>\nCVPR'2023 [[Paper](arxiv.org/abs/2201.00002)]\n\n"
        "* **Unclosed**<br>\n*E F*<br>\nCVPR'2023 [[Paper](https://arxiv.org/abs/2201.00003)] [[Code](https://github.com/x/y\n\n"
        "* **Bad Id**<br>\n*G H*<br>\nICLR'2023 [[Paper](https://arxiv.org/abs/22010.0)]\n"
    )
    got = {(p.line, p.code, p.message) for p in lint(parse(text))}
    assert (3, "missing-field", "entry 'No Venue' has no venue'year") in got
    assert (9, "malformed-link", "link [[Paper]] has no valid URL: 'arxiv.org/abs/2201.00002'") in got
    assert any(line == 13 and code == "malformed-link" and "unclosed" in msg for line, code, msg in got)
    assert (17, "malformed-link", "arXiv link without a valid id: 'https://arxiv.org/abs/22010.0'") in got


def test_fix_changes_only_venue_tokens(dec_text):
    fixed = render(fix(parse(dec_text)))
    changed = [(a, b) for a, b in zip(dec_text.splitlines(True), fixed.splitlines(True), strict=True) if a != b]
    assert len(changed) == len([p for p in lint(parse(dec_text)) if p.code == "venue-spelling"]) == 19
    for old, new in changed:
        for typo, right in (
            ("arXiv'", "ArXiv'"),
            ("Arxiv'", "ArXiv'"),
            ("NIPS'", "NeurIPS'"),
            ("NIP'", "NeurIPS'"),
        ):
            old = old.replace(typo, right)
        assert old == new
    assert not [p for p in lint(parse(fixed)) if p.code == "venue-spelling"]


def test_cli_lint_reports_and_exits_1(tmp_path):
    result = CliRunner().invoke(main, ["lint", str(MAY_LIST)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{MAY_LIST}:467: duplicate: same arXiv id 2205.13943 as the entry at line 270" in lines
    assert any(line.startswith(f"{MAY_LIST}:254: venue-spelling:") and line.endswith("(fixable)") for line in lines)


def test_cli_lint_json_and_fix_in_place(tmp_path):
    target = tmp_path / "README.md"
    original = MAY_LIST.read_bytes()
    target.write_bytes(original)
    result = CliRunner().invoke(main, ["lint", str(target), "--fix", "--format", "json"])
    assert result.exit_code == 1  # duplicates remain: they need a human
    report = json.loads(result.stdout)
    assert report["entries"] == 140 and report["fixed"] == 9
    assert {p["code"] for p in report["problems"]} == {"duplicate"}
    changed = [
        (a, b) for a, b in zip(original.decode().splitlines(), target.read_text().splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 9
    assert all(a.replace("arXiv'", "ArXiv'").replace("NIP'", "NIPS'") == b for a, b in changed)


def test_cli_lint_clean_list_exits_0(tmp_path):
    clean = tmp_path / "clean.md"
    clean.write_text(
        "## S\n\n* **A Paper**<br>\n*A B*<br>\nCVPR'2023 [[Paper](https://arxiv.org/abs/2301.00001)]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["lint", str(clean), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["problems"] == []


def test_cli_bad_list_gives_error_not_traceback(tmp_path):
    half = tmp_path / "half.md"
    half.write_text("## S\n\n* **Half Written**<br>\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(half)])
    assert result.exit_code == 1
    assert f"Error: {half}:3: half-written entry" in result.output
    assert "Traceback" not in result.output
    assert half.read_text(encoding="utf-8") == "## S\n\n* **Half Written**<br>\n"


def test_dec_list_lints_without_crashing():
    result = CliRunner().invoke(main, ["lint", str(DEC_LIST), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["entries"] == 217
