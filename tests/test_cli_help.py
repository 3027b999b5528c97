"""Every command has help text with an example, and the README documents every command."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mimwatch.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, full + " "))
    return found


@pytest.mark.parametrize("name,command", _commands(main), ids=[n for n, _ in _commands(main)])
def test_command_has_help_and_is_in_readme(name, command):
    assert command.help and len(command.help.strip()) > 40, f"`mimwatch {name}` has no real help text"
    if not isinstance(command, click.Group):
        assert "Example" in command.help, f"`mimwatch {name}` --help shows no example"
    assert f"mimwatch {name}" in README, f"`mimwatch {name}` is missing from README.md"
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_usage_errors_exit_2():
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 2
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2
