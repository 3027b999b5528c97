"""Odd files and odd text: a damaged gzip, a line that is not UTF-8, empty files, a feed item without an id,
invisible format controls, a state file damaged inside. One line naming the file (and line), never a traceback."""

from __future__ import annotations

import gzip
import json
import random
import re
import sqlite3
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mimwatch.awesome import parse
from mimwatch.cli import main
from mimwatch.state import PaperDecision, State

from .conftest import MAY_LIST, SMALL, git_clone

FEEDS = Path(__file__).parent / "data" / "feeds"
DAILY = FEEDS / "rss-2024-03-05.xml"
MASKED = "We propose masked image modeling with a vision transformer: masked autoencoders reconstruct pixels."


def records(n: int) -> list[dict]:
    return [{"id": f"2403.{i:05d}", "title": f"Masked Autoencoders for Thing {i}", "abstract": MASKED,
             "authors": ["Ann Author"], "published": "2024-03-01"} for i in range(n)]  # fmt: skip


def damaged_gzip(path: Path) -> Path:
    """A gzipped JSONL file whose deflate data is damaged in the middle (a bad download, a full disk), so that
    reading it stops with zlib.error: many deflate blocks (varied text), zeros written over one block's header."""
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    lines = [json.dumps({"id": f"2403.{i:05d}", "title": " ".join(rng.choices(words, k=8)),
                         "abstract": " ".join(rng.choices(words, k=60)), "authors": ["Ann Author"]})
             for i in range(800)]  # fmt: skip
    data = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    # Where the zeros break a block header (found once: 72678 with this zlib; searched for, should it differ).
    for at in [72678, *range(len(data) // 3, 2 * len(data) // 3, 11)]:
        damaged = data[:at] + bytes(32) + data[at + 32 :]
        try:
            gzip.decompress(damaged)
        except zlib.error:
            path.write_bytes(damaged)
            return path
        except (OSError, EOFError):
            continue
    raise AssertionError("no damage found that zlib reports")


@pytest.mark.parametrize("command", ["scan", "fetch", "classify", "train"])
def test_a_damaged_gzip_is_one_line_naming_the_file(command, tmp_path):
    bad = damaged_gzip(tmp_path / "papers.jsonl.gz")
    args = {
        "scan": ["scan", "--source", str(bad), "--list", str(MAY_LIST), "--dry-run"],
        "fetch": ["fetch", "--source", str(bad), "-o", str(tmp_path / "out.jsonl")],
        "classify": ["classify", "--input", str(bad), "-o", str(tmp_path / "out.jsonl")],
        "train": ["train", "--list", str(SMALL / "list.md"), "--corpus", str(SMALL / "corpus.jsonl"), "--negatives",
                  str(bad), "--out", str(tmp_path / "model")],
    }[command]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    damaged = rf"Error: {re.escape(str(bad))}: cannot be read after line \d+ \(error: Error -3"
    if command in ("classify", "train"):  # strict readers may meet the broken line before zlib's error
        damaged += rf"|Error: {re.escape(str(bad))}:\d+: not a JSON record"
    assert re.search(damaged, result.output)
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_a_line_that_is_not_utf8_is_skipped_with_its_line_named(tmp_path, caplog):
    lines = [json.dumps(r).encode() for r in records(3)]
    lines[1] = lines[1].replace(b"Thing 1", b"Thing \xff\xfe 1")
    source = tmp_path / "papers.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = CliRunner().invoke(main, ["scan", "--source", str(source), "--list", str(MAY_LIST), "--dry-run",
                                       "--threshold", "0"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{source}:2: not UTF-8 text (invalid start byte at byte" in caplog.text
    assert re.search(r"fetched\s+2\n", result.stderr)
    strict = CliRunner().invoke(main, ["classify", "--input", str(source), "-o", str(tmp_path / "s.jsonl")])
    assert strict.exit_code == 1 and f"{source}:2: not UTF-8 text" in strict.output


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.xml"])
def test_an_empty_file_is_no_announcement(name, tmp_path):
    empty = tmp_path / name
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["scan", "--source", str(empty), "--list", str(MAY_LIST), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "nothing announced yet" not in result.stderr and re.search(r"fetched\s+0\n", result.stderr)
    weekend = CliRunner().invoke(main, ["scan", "--source", str(FEEDS / "rss-empty-weekend.xml"), "--list",
                                        str(MAY_LIST), "--dry-run"])  # fmt: skip
    assert "nothing announced yet" in weekend.stderr  # an empty feed is the feed's own news


def test_a_feed_item_without_an_id_is_skipped_not_the_feed(tmp_path, caplog):
    text = DAILY.read_text(encoding="utf-8")
    first = text.index("<item>")
    item = text[first : text.index("</item>", first)]
    broken = re.sub(r"<link>.*?</link>|<guid[^>]*>.*?</guid>", "", item)
    broken = re.sub(r"arXiv:\d{4}\.\d{5}v\d", "arXiv: (none)", broken)
    feed = tmp_path / "feed.xml"
    feed.write_text(text.replace(item, broken), encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--source", str(feed), "--list", str(MAY_LIST), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "feed item 1 from" in caplog.text and "has no arXiv id" in caplog.text and "skipped" in caplog.text
    assert re.search(r"proposed\s+2\n", result.stderr) and "DropPos" in result.stdout


def test_invisible_format_controls_never_reach_the_list(tmp_path):
    sneaky = "\u200e\u200f\u061c\ufeff\u200b\u2066"
    record = {"id": "2403.00077", "title": f"Masked{sneaky} Autoencoders for{sneaky} Sneaky Things", "abstract": MASKED,
              "authors": [f"Ann{sneaky} Author", "Bo Li\u202e"], "published": "2024-03-01"}  # fmt: skip
    source = tmp_path / "papers.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--source", str(source), "--list", str(MAY_LIST), "--dry-run",
                                       "--threshold", "0"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Masked Autoencoders for Sneaky Things" in result.stdout and "Ann Author, Bo Li" in result.stdout
    assert not any(ch in result.stdout for ch in sneaky + "\u202e")


def test_a_state_damaged_inside_is_named_with_the_remedy(tmp_path, monkeypatch):
    state = tmp_path / "state.sqlite"
    db = State(state)
    decisions = [PaperDecision(f"2403.{i:05d}", 1, "T" * 200, 0.1, None, "irrelevant") for i in range(3000)]
    db.record_run(started=__import__("datetime").datetime(2024, 3, 5), since=None, until=None, source="rss",
                  status="ok", counts={}, decisions=decisions)  # fmt: skip
    with sqlite3.connect(state) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(state.read_bytes())
    page = 4096
    for at in range(page * 3, len(data) - page, page * 7):  # interior pages: the header is intact
        data[at : at + 200] = b"\xee" * 200
    state.write_bytes(bytes(data))
    monkeypatch.setenv("MIMWATCH_STATE", str(state))
    result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--git-repo", str(git_clone(tmp_path))])
    assert result.exit_code == 1
    assert f"{state}: the state file is damaged" in result.output and "move it away" in result.output
    assert result.output.count("\n") == 1


def test_the_list_keeps_its_entries_when_an_input_is_bad(tmp_path):
    clone = git_clone(tmp_path)
    bad = damaged_gzip(tmp_path / "papers.jsonl.gz")
    result = CliRunner().invoke(main, ["scan", "--source", str(bad), "--git-repo", str(clone)])
    assert result.exit_code == 1
    assert len(parse((clone / "README.md").read_text(encoding="utf-8")).entries) == len(
        parse(MAY_LIST.read_text()).entries
    )
