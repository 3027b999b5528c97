"""A fake of bioRxiv's public API (`details` by interval and category, by DOI; `pubs`) on loopback."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response


@dataclass
class FakeBiorxiv:
    records: list[dict]
    journals: dict[str, dict] = field(default_factory=dict)  # preprint DOI -> pubs record
    requests: list[str] = field(default_factory=list)
    page: int = 100

    def __call__(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        path = request.path
        if m := re.fullmatch(r"/details/biorxiv/(\d{4}-\d\d-\d\d)/(\d{4}-\d\d-\d\d)/(\d+)(?:/json)?", path):
            since, until, cursor = m.group(1), m.group(2), int(m.group(3))
            category = request.args.get("category", "").replace("_", " ")
            found = [r for r in self.records if since <= r["date"] <= until and (not category or r["category"] == category)]
            page = found[cursor : cursor + self.page]
            message = {"status": "ok", "interval": f"{since}:{until}", "cursor": cursor, "count": len(page),
                       "count_new_papers": str(sum(r["version"] == "1" for r in found)), "total": len(found)}  # fmt: skip
            return self._json({"messages": [message], "collection": page})
        if m := re.fullmatch(r"/details/biorxiv/(10\.1101/.+)/na/json", path):
            versions = [r for r in self.records if r["doi"] == m.group(1)]
            return self._json({"messages": [{"status": "ok" if versions else "no posts found"}], "collection": versions})
        if m := re.fullmatch(r"/pubs/biorxiv/(10\.1101/.+)/na/json", path):
            found = [self.journals[m.group(1)]] if m.group(1) in self.journals else []
            return self._json({"messages": [{"status": "ok" if found else "no posts found"}], "collection": found})
        return self._json({"messages": [{"status": "error"}], "collection": []}, 404)

    @staticmethod
    def _json(body, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")


def record(doi: str, title: str, abstract: str, authors: str, day: str, category: str = "bioinformatics",
           version: str = "1", published: str = "NA") -> dict:  # fmt: skip
    """One `details` record, as bioRxiv returns it."""
    return {"doi": doi, "title": title, "authors": authors, "author_corresponding": authors.split(";")[0].strip(),
            "author_corresponding_institution": "EMBL", "date": day, "version": version, "type": "new results",
            "license": "cc_by", "category": category, "jatsxml": f"https://www.biorxiv.org/content/early/{doi}.source.xml",
            "abstract": abstract, "published": published, "server": "biorxiv"}  # fmt: skip
