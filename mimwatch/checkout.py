"""Where the list is: a file of a checkout or a clone, and its path inside the repository, resolved once.

`--list` means one thing everywhere: a file, as the shell names it (absolute, or relative to the current
folder). With `--git-repo` it must be a file of that clone; with `--repo` (the Action's `list-path`) a file of
the checkout the run is in. Its path inside the repository is derived from the clone's or the checkout's root,
never guessed, and a path that leaves them is a usage error: the GitHub token is never used to ask for a file
the checkout does not hold.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import UsageProblem


@dataclass(frozen=True)
class ListLocation:
    root: Path  # the clone's or the checkout's top folder
    in_repo: str  # the list's path inside the repository, `/`-separated


def run_git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`git -C folder args…`, its output as text; a failure is the caller's to read (`returncode`)."""
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)


def clone_root(path: Path) -> Path:
    """The top folder of the clone `path` is in (a subfolder such as `docs/` is fine); refuses a folder that is
    not in a git clone, and a bare repository (it has no checked-out list to read)."""
    bare = run_git(path, "rev-parse", "--is-bare-repository")
    if bare.returncode != 0:
        raise UsageProblem(f"--git-repo {path}: not a git clone ({_last_line(bare.stderr)})")
    if bare.stdout.strip() == "true":
        raise UsageProblem(
            f"--git-repo {path} is a bare repository (no working tree): pass a clone of it instead, e.g. "
            f"`git clone {path} list-clone` and then `--git-repo list-clone`"
        )
    top = run_git(path, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or not top.stdout.strip():
        raise UsageProblem(f"--git-repo {path}: git finds no working tree ({_last_line(top.stderr)})")
    return Path(top.stdout.strip()).resolve()


def checkout_root(folder: Path) -> Path:
    """The checkout the run is in: the git top folder of `folder`, else `folder` itself."""
    top = run_git(folder, "rev-parse", "--show-toplevel")
    found = top.stdout.strip() if top.returncode == 0 else ""
    return Path(found or folder).resolve()


def inside(root: Path, file: Path, what: str, where: str) -> ListLocation:
    """`file` (absolute, or relative to the current folder) as a path inside `root`; a usage error naming `what`
    (the option or setting) when it lies outside `where` (the clone, the checkout)."""
    resolved = file.expanduser().resolve()
    try:
        relative = resolved.relative_to(root)
    except ValueError:
        raise UsageProblem(
            f"{what} {file} is {resolved}, outside {where} {root}: give a file of {where} "
            "(absolute, or relative to the current folder)"
        ) from None
    if not relative.parts:
        raise UsageProblem(f"{what} {file} is the folder {root}, not the list file in it")
    return ListLocation(root, relative.as_posix())


def in_repo_path(value: str, what: str = "list_path") -> str:
    """A path inside the repository as the settings give it (`docs/README.md`): relative, never leaving it."""
    path = PurePosixPath(value.replace("\\", "/"))
    if not value.strip() or path.is_absolute() or ".." in path.parts:
        raise UsageProblem(f"{what} {value!r} must be a path inside the repository (like README.md or docs/list.md)")
    return path.as_posix()


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no message"])[-1]
