"""A fake of OpenReview's API v2 notes endpoint on loopback, for the real `openreview-py` client."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from werkzeug import Request, Response


@dataclass
class FakeOpenReview:
    notes: list[dict]
    requests: list[dict] = field(default_factory=list)
    faults: list[tuple[int, dict, dict]] = field(default_factory=list)  # status, headers, body: the next answers

    def __call__(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.requests.append(args)
        if self.faults:
            status, headers, body = self.faults.pop(0)
            return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        if request.path != "/notes":
            return self._json({"name": "NotFoundError", "message": f"no {request.path}"}, 404)
        found = list(self.notes)
        if invitation := args.get("invitation"):
            found = [n for n in found if invitation in n.get("invitations", [])]
        if note_id := args.get("id"):
            found = [n for n in found if n["id"] == note_id]
        if args.get("sort", "").startswith("tmdate"):
            found.sort(key=lambda n: n.get("tmdate", 0), reverse=args["sort"].endswith(":desc"))
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 1000))
        return self._json({"notes": found[offset : offset + limit], "count": len(found)})

    @staticmethod
    def _json(body, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")


def note(forum: str, title: str, abstract: str, authors: list[str] | None, venue: str, venueid: str,
         tmdate: int, group: str = "ICLR.cc/2026/Conference") -> dict:  # fmt: skip
    """A submission note as API v2 returns it to the public (hidden authors: no `authors` field at all)."""
    content = {"title": {"value": title}, "abstract": {"value": abstract}, "keywords": {"value": ["masked image modeling"]},
               "venue": {"value": venue}, "venueid": {"value": venueid}, "pdf": {"value": f"/pdf/{forum}.pdf"},
               "primary_area": {"value": "unsupervised, self-supervised, semi-supervised, and supervised representation learning"}}  # fmt: skip
    if authors is not None:
        content["authors"] = {"value": authors}
        content["authorids"] = {"value": [f"~{a.replace(' ', '_')}1" for a in authors]}
    return {"id": forum, "forum": forum, "number": abs(hash(forum)) % 20000, "cdate": 1758000000000,
            "tcdate": 1758000000000, "mdate": tmdate, "tmdate": tmdate, "odate": 1759300000000,
            "domain": group, "invitations": [f"{group}/-/Submission", f"{group}/-/Post_Submission"],
            "content": content, "readers": ["everyone"], "writers": [group], "signatures": [f"{group}/Submission1/Authors"],
            "license": "CC BY 4.0", "version": 2}  # fmt: skip
