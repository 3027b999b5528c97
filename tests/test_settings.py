"""Every setting checked in one place, whatever it came from (file, environment, option): one line naming the
setting and where it came from, exit 2, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mimwatch.cli import main
from mimwatch.settings import Settings, check

from .conftest import MAY_LIST

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_candidates = 0", "max_candidates must be a whole number of at least 1, not 0"),
        ("max_candidates = true", "max_candidates must be a whole number of at least 1, not True"),
        ("threshold = 7", "threshold must be a number from 0 to 1 (a relevance), not 7"),
        ("labels = 3", "labels must be a list of strings, not 3"),
        ('labels = ["ok", ""]', "labels holds '': each must be a non-empty string"),
        ('git_identity = "bot"', "git_identity must look like Name <email@example.org>, not 'bot'"),
        ("stream_window = 5", "stream_window must be a whole number of at least 100, not 5"),
        ('categories = ["cs CV"]', "categories holds 'cs CV': each must look like an arXiv category"),
        ("categories = []", "categories must be a list of strings, not []"),
        ('deadline = "soon"', "deadline must be a duration like 45m, 90s or 1h, not 'soon'"),
        ('repo = "just-a-name"', "repo must look like OWNER/NAME, not 'just-a-name'"),
        ('list_path = "../secrets.md"', "list_path must be a path inside the repository"),
        ('github_url = "ftp://example.org"', "github_url must look like an http(s) URL"),
        ('schedule = "0 0 31 2 *"', "schedule never fires (no day matches it)"),
        ('timezone = "Mars/Olympus"', "timezone must be a time zone"),
        ('dialect = "fancy"', "dialect must be one of br, inline, one-line, table, nested, not 'fancy'"),
        ('branch_prefix = "bad..prefix/"', "branch_prefix must look like a branch name prefix"),
        ('sources = ["arxiv"]', "sources holds 'arxiv': each must look like rss, api, openreview:<venue id>"),
        ('openreview_url = "api2.openreview.net"', "openreview_url must look like an http(s) URL"),
    ],
)
def test_a_bad_setting_in_the_file_is_named_with_the_file(tmp_path, line, message):
    config = tmp_path / "mimwatch.toml"
    config.write_text(f"[mimwatch]\n{line}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--config", str(config), "--list", str(MAY_LIST), "--source",
                                       str(DAILY)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {config}: {message}" + result.output.split(message, 1)[1]
    assert result.output.count("\n") == 1


def test_the_defaults_pass_every_check():
    defaults = Settings()
    assert [name for name in vars(defaults) if name != "folder" and check(name, getattr(defaults, name))] == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MIMWATCH_REQUEST_DELAY", "abc", "environment MIMWATCH_REQUEST_DELAY='abc': must be a number of at least 0"),
        ("MIMWATCH_LOCK_WAIT", "-1", "environment MIMWATCH_LOCK_WAIT='-1': must be a number of at least 0"),
        ("MIMWATCH_REQUEST_TIMEOUT", "inf", "environment MIMWATCH_REQUEST_TIMEOUT='inf'"),
        (
            "MIMWATCH_ARXIV_API_URL",
            "export.arxiv.org",
            "environment MIMWATCH_ARXIV_API_URL='export.arxiv.org': must be",
        ),
        ("MIMWATCH_HOME", "", "environment MIMWATCH_HOME is set but empty"),
    ],
)
def test_a_malformed_environment_variable_is_one_line_not_a_traceback(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["scan", "--list", str(MAY_LIST), "--source", str(DAILY)])
    assert result.exit_code == 2 and result.output.startswith(f"Error: {message}"), result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_options_are_checked_as_the_settings_are():
    for args, text in ((["--max-candidates", "0"], "--max-candidates"), (["--threshold", "7"], "--threshold"),
                       (["--api-url", "nope"], "'nope' is not an http(s) URL")):  # fmt: skip
        result = CliRunner().invoke(main, ["scan", "--list", str(MAY_LIST), "--source", str(DAILY), *args])
        assert result.exit_code == 2 and text in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "0 0 31 2 *", "--", "--list", str(MAY_LIST)], "--cron: '0 0 31 2 *' never fires"),
        (["--", "--list", "no-such-list.md", "--dry-run"], "--list no-such-list.md: no such file"),
    ],
)
def test_schedule_refuses_a_cron_that_never_fires_and_a_missing_list_at_start(args, message):
    result = CliRunner().invoke(main, ["schedule", *args])
    assert result.exit_code == 2 and message in result.output


def test_schedule_reads_its_cron_from_the_settings_and_checks_it(tmp_path):
    config = tmp_path / "mimwatch.toml"
    config.write_text('[mimwatch]\nschedule = "0 0 30 2 *"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", "--config", str(config), "--", "--list", str(MAY_LIST)])
    assert result.exit_code == 2 and f"{config}: schedule never fires" in result.output
