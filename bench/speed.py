"""Speed and memory of the classifier on this machine: classify papers/s, model load, training, retraining,
the README demo's first run, peak memory.

Targets (issues 4, 10 and 21): `mimwatch classify` >= 5,000 papers/s with reasons, load <= 1 s, training <= 60 s,
a whole retrain on a grown list <= 10 s (with a full state window of 30,000 recent papers beside the shipped
sample), a list whose sections moved refits only the section head, the README demo's first run (a fresh
model cache) <= 3 s, peak memory <= 1 GiB. Each figure is measured in a fresh process, so that peak memory
belongs to that step alone. The machine is shared: run it twice and report the quieter run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"

STEP = r"""
import gzip, json, resource, sys, tempfile, time
from pathlib import Path
step = sys.argv[1]
shared = Path(sys.argv[2])
out = {}
if step == "classify":
    began = time.perf_counter()
    from mimwatch.classify.tasks import load_model
    out["import_s"] = time.perf_counter() - began
    began = time.perf_counter()
    model = load_model()
    out["load_s"] = time.perf_counter() - began
    with gzip.open(shared / "arxiv" / "penguinwang96825_arxiver.jsonl.gz", "rt") as handle:
        papers = [json.loads(next(handle)) for _ in range(10000)]
    began = time.perf_counter()
    model.score(papers)
    out["classify_per_s"] = len(papers) / (time.perf_counter() - began)
    began = time.perf_counter()
    model.score(papers, explain=False)
    out["classify_no_explain_per_s"] = len(papers) / (time.perf_counter() - began)
    import io, os
    from mimwatch.classify.tasks import classify_file
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.writelines(json.dumps(p) + "\n" for p in papers)
    began = time.perf_counter()
    classify_file(model, handle.name, io.StringIO())
    out["classify_file_per_s"] = len(papers) / (time.perf_counter() - began)
    out["workers"] = min(os.cpu_count() or 1, 4)
    os.unlink(handle.name)
elif step == "train":
    from mimwatch.classify.tasks import train_from_files
    pool = [shared / "arxiv" / "dw-dengwei_daily-arXiv-ai-enhanced.jsonl.gz"]  # as bench/train_default.py
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        train_from_files(shared / "awesome-mim" / "README-2023-12-07.md", tmp,
                         [shared / "awesome-mim" / "abstracts.jsonl"], pool, 0.6, "shipped")
        out["train_s"] = time.perf_counter() - began
elif step in ("retrain", "sections"):
    from mimwatch.awesome import Entry, load
    from mimwatch.awesome.edit import add_entries
    from mimwatch.classify.data import load_corpus, pool_examples
    from mimwatch.classify.follow import follow_list, load_sample
    from mimwatch.classify.tasks import default_model_dir, load_model
    base, sample = load_model(), load_sample(default_model_dir())
    if step == "retrain":  # the shipped list and one new paper: relevance and sections retrained whole
        dec = load(shared / "awesome-mim" / "README-2023-12-07.md")
        new = Entry(title="Masked Visual Pre-training for Motor Control", authors=("Tete Xiao",), venue="ArXiv",
                    year=2022, paper_url="https://arxiv.org/abs/2203.06173")
        changed = add_entries(dec, dec.sections[-1], [new])
    else:  # the May list: entries the model knows, in the sections they had then
        changed = load(shared / "awesome-mim" / "README-2023-05-25.md")
    corpus = load_corpus([shared / "awesome-mim" / "abstracts.jsonl"])
    window = []
    for e in pool_examples(sorted((shared / "arxiv").glob("*.jsonl.gz"))):
        window.append(e)
        if len(window) == 30000:
            break
    began = time.perf_counter()
    model = follow_list(base, changed, lambda ids: {i: corpus[i]["abstract"] for i in ids if i in corpus}, window,
                        sample)
    out["retrain_s"] = time.perf_counter() - began
    out["refit"] = model.meta["followed_list"].get("refit", "whole")
    out["negatives"] = len(window) + sample.counts.shape[0]
elif step == "demo":  # the README's offline command, first run: a fresh home and model cache
    import os, subprocess
    root = Path(sys.argv[3])
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "MIMWATCH_HOME": home, "MIMWATCH_MODEL_CACHE": f"{home}/cache"}
        env.pop("MIMWATCH_STATE", None)
        command = ["mimwatch", "scan", "--source", "tests/data/feeds/rss-2024-03-05.xml", "--list",
                   "tests/data/awesome-2023-05-25.md", "--dry-run"]
        for run in ("first", "second"):
            began = time.perf_counter()
            subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
            out[f"demo_{run}_s"] = time.perf_counter() - began
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["peak_worker_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(step: str) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, step, str(SHARED), str(ROOT)], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if not (SHARED / "arxiv").exists():
        print(f"needs ../shared/data (looked in {SHARED})", file=sys.stderr)
        return 1
    classify, training = run("classify"), run("train")
    retraining, sections, demo = run("retrain"), run("sections"), run("demo")
    rows = [
        ("model load (files to ready model)", f"{classify['load_s']:.2f} s", "<= 1 s"),
        ("  + importing the classifier (numpy, scipy), once", f"{classify['import_s']:.2f} s", ""),
        ("classify in one process (with reasons)", f"{classify['classify_per_s']:,.0f} papers/s", ""),
        ("classify (scores only)", f"{classify['classify_no_explain_per_s']:,.0f} papers/s", ""),
        (f"`mimwatch classify` of a file, with reasons ({classify['workers']} proc.)",
         f"{classify['classify_file_per_s']:,.0f} papers/s", ">= 5,000 papers/s"),
        ("peak memory, load + classify 10k", f"{classify['peak_mib']:.0f} MiB", "<= 1,024 MiB"),
        ("  each forked worker (shares the model's pages)", f"{classify['peak_worker_mib']:.0f} MiB", ""),
        ("training (Dec-2023 list, 60 % authored pool)", f"{training['train_s']:.1f} s", "<= 60 s"),
        ("peak memory, training", f"{training['peak_mib']:.0f} MiB", "<= 1,024 MiB"),
        (f"whole retrain, one new paper ({retraining['negatives']:,} neg.)", f"{retraining['retrain_s']:.1f} s",
         "<= 10 s"),
        ("peak memory, whole retrain", f"{retraining['peak_mib']:.0f} MiB", "<= 1,024 MiB"),
        (f"sections moved, no new paper ({sections['refit']})", f"{sections['retrain_s']:.1f} s", ""),
        ("README demo, first run (fresh model cache)", f"{demo['demo_first_s']:.1f} s", "<= 3 s"),
        ("README demo, second run (cached)", f"{demo['demo_second_s']:.1f} s", ""),
    ]
    print(f"{'figure':48}{'measured':>18}{'target':>20}")
    for name, value, target in rows:
        print(f"{name:48}{value:>18}{target:>20}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
