"""Prints the shipped model's scores of the fixture pool as JSON: .ci/run compares them across the oldest and the
newest supported scikit-learn (a model is arrays, so both must score alike). Usage: python .ci/model_scores.py"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sklearn  # noqa: E402

from mimwatch.classify.model import Model  # noqa: E402

model = Model.load(ROOT / "models" / "default")
records = [json.loads(line) for line in (ROOT / "tests" / "data" / "classify" / "pool.jsonl").open(encoding="utf-8")]
scores = model.score(records)
print(json.dumps({"sklearn": sklearn.__version__, "scores": [s.as_record() for s in scores]}))
