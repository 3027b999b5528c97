from __future__ import annotations

import gc
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MAY_LIST = DATA / "awesome-2023-05-25.md"
DEC_LIST = DATA / "awesome-2023-12-07.md"
SMALL = DATA / "classify"  # a 20-entry list, abstracts of its papers, 90 pool papers: a model in a second


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis ships a pytest plugin, so pytest marks all of Hypothesis for assertion rewriting: a hundred of
    its modules parsed and compiled again at every run (no bytecode is cached where PYTHONDONTWRITEBYTECODE is
    set), a second of the suite. Our tests' asserts are rewritten as before; Hypothesis's own need not be."""
    marked = getattr(config.pluginmanager.rewrite_hook, "_must_rewrite", None)  # pytest's; absent: nothing to do
    if isinstance(marked, set):
        marked.discard("hypothesis")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (scikit-learn, Hypothesis, the test modules) lives to the end: Python's full
    garbage collections need not walk it again and again."""
    gc.freeze()


@pytest.fixture(scope="session")
def shared_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Models retrained on a list are a cache keyed by the list's content, not state: the tests share one, so
    the shipped model is trained on the May fixture list once per session, not once per scan test."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def may_model(shared_model_cache: Path) -> Path:
    """The shared cache with the shipped model trained on the May list in it, as a fresh offline scan trains
    it (no stream negatives yet, titles for entries the model lacks) — here, in the test process, for tests
    whose scans run in a subprocess (which would import scikit-learn and train again for each session)."""
    from mimwatch.awesome import load
    from mimwatch.classify.follow import load_sample, model_for_list
    from mimwatch.classify.tasks import default_model_dir, load_model

    model_for_list(load_model(), load(MAY_LIST), shared_model_cache, load_sample(default_model_dir()), list, None)
    return shared_model_cache


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model of its own (with its own 90-paper sample) trained on the small fixture list: for tests of the
    mechanics around a model, where the shipped model's 4,000-paper sample would only cost time."""
    from mimwatch.classify.tasks import train_from_files

    out = tmp_path_factory.mktemp("tiny-model")
    train_from_files(SMALL / "list.md", out, [SMALL / "corpus.jsonl"], [SMALL / "pool.jsonl"])
    return out


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_model_cache: Path) -> Path:
    """Point every piece of mimwatch state at a fresh folder, so no test touches a user's files."""
    home = tmp_path / "mimwatch-home"
    monkeypatch.setenv("MIMWATCH_HOME", str(home))
    monkeypatch.setenv("MIMWATCH_MODEL_CACHE", str(shared_model_cache))
    monkeypatch.setenv("MIMWATCH_STATE", str(home / "state.sqlite"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    # Loopback servers need no politeness; towards arxiv.org the 3 s floor holds whatever this says.
    monkeypatch.setenv("MIMWATCH_REQUEST_DELAY", "0")
    monkeypatch.setenv("MIMWATCH_RETRY_BASE", "0.01")
    return home


@pytest.fixture
def may_text() -> str:
    return MAY_LIST.read_text(encoding="utf-8")


@pytest.fixture
def dec_text() -> str:
    return DEC_LIST.read_text(encoding="utf-8")


def git_clone(tmp_path: Path, source: Path = MAY_LIST) -> Path:
    """A git clone of a list (the May list by default) on `main`, committed by a maintainer."""
    import subprocess

    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "README.md").write_bytes(source.read_bytes())
    for args in (["init", "-q", "-b", "main"], ["add", "README.md"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "list"]):  # fmt: skip
        subprocess.run(["git", "-C", str(clone), *args], check=True)
    return clone


VARIANTS = ["as-is", "crlf", "no-final-newline", "crlf-no-final-newline", "bom"]


def variant_of(text: str, variant: str) -> str:
    """The list as another editor might save it: CRLF endings, no final newline, a byte-order mark."""
    if "crlf" in variant:
        text = text.replace("\n", "\r\n")
    if "no-final-newline" in variant:
        text = text.rstrip("\r\n")
    if variant == "bom":
        text = "\ufeff" + text
    return text
