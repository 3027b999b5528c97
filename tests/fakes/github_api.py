"""A small stateful fake of the GitHub REST endpoints mimwatch uses, served on loopback for real PyGithub."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response


@dataclass
class FakeGitHub:
    owner: str = "lupin"
    name: str = "Awesome-MIM"
    list_path: str = "README.md"
    default_branch: str = "main"
    base: str = ""  # set to the server's URL by the test
    commits: dict[str, dict[str, str]] = field(default_factory=dict)  # sha -> {path: text}
    messages: dict[str, str] = field(default_factory=dict)  # sha -> commit message
    branches: dict[str, str] = field(default_factory=dict)  # name -> sha
    pulls: list[dict] = field(default_factory=list)
    faults: list[tuple[str, str, int, dict, dict]] = field(
        default_factory=list
    )  # method, path regex, status, headers, body
    after_put: list = field(default_factory=list)  # callables run once after a file commit
    log: list[tuple[str, str]] = field(default_factory=list)
    seen_auth: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.repo_path = f"/repos/{self.owner}/{self.name}"

    # ---- state helpers for tests ----------------------------------------------------------------

    def seed(self, text: str) -> str:
        sha = self._commit({self.list_path: text})
        self.branches[self.default_branch] = sha
        return sha

    def text(self, branch: str | None = None) -> str:
        return self.commits[self.branches[branch or self.default_branch]][self.list_path]

    def push_to_main(self, text: str) -> None:
        self.branches[self.default_branch] = self._commit({self.list_path: text})

    def edit_branch(self, branch: str, text: str, message: str = "Update README.md") -> None:
        """A maintainer's commit to a branch (GitHub's web editor gives it this message)."""
        self.branches[branch] = self._commit({self.list_path: text}, message)

    def merge(self, number: int, text: str | None = None) -> None:
        pr = self._pull(number)
        merged_text = text if text is not None else self.commits[self.branches[pr["head"]["ref"]]][self.list_path]
        sha = self._commit({self.list_path: merged_text})
        self.branches[self.default_branch] = sha
        pr.update(state="closed", merged=True, merge_commit_sha=sha)

    def close(self, number: int) -> None:
        self._pull(number).update(state="closed", merged=False)

    def _commit(self, files: dict[str, str], message: str = "Update README.md") -> str:
        sha = hashlib.sha1(json.dumps([len(self.commits), files]).encode()).hexdigest()
        self.commits[sha] = dict(files)
        self.messages[sha] = message
        return sha

    def _pull(self, number: int) -> dict:
        return next(p for p in self.pulls if p["number"] == number)

    # ---- HTTP ------------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        path, method = request.path, request.method
        self.log.append((method, path))
        self.seen_auth.add(request.headers.get("Authorization", ""))
        for i, (f_method, f_path, status, headers, body) in enumerate(self.faults):
            if f_method == method and re.fullmatch(f_path, path):
                del self.faults[i]
                return self._json(body, status, headers)
        payload = json.loads(request.get_data() or b"null")
        rp = self.repo_path
        if method == "GET" and path == rp:
            return self._json(self._repo())
        if method == "GET" and (m := re.fullmatch(rp + r"/branches/(.+)", path)):
            sha = self.branches.get(m.group(1))
            if sha is None:
                return self._json({"message": "Branch not found"}, 404)
            return self._json({"name": m.group(1), "commit": self._commit_json(sha)})
        if method == "GET" and (m := re.fullmatch(rp + r"/commits/([0-9a-f]+)", path)):
            return self._json(self._commit_json(m.group(1)))
        if method == "GET" and (m := re.fullmatch(rp + r"/contents/(.+)", path)):
            ref = request.args.get("ref", self.default_branch)
            sha = self.branches.get(ref, ref)
            files = self.commits.get(sha)
            if files is None or m.group(1) not in files:
                return self._json({"message": "Not Found"}, 404)
            return self._json(self._content(m.group(1), files[m.group(1)]))
        if method == "GET" and (m := re.fullmatch(rp + r"/git/refs?/heads/(.+)", path)):
            sha = self.branches.get(m.group(1))
            if sha is None:
                return self._json({"message": "Not Found"}, 404)
            return self._json(self._ref(m.group(1), sha))
        if method == "POST" and path == rp + "/git/refs":
            name = payload["ref"].removeprefix("refs/heads/")
            if name in self.branches:
                return self._json({"message": "Reference already exists"}, 422)
            self.branches[name] = payload["sha"]
            return self._json(self._ref(name, payload["sha"]), 201)
        if method == "PATCH" and (m := re.fullmatch(rp + r"/git/refs?/heads/(.+)", path)):
            self.branches[m.group(1)] = payload["sha"]
            return self._json(self._ref(m.group(1), payload["sha"]))
        if method == "PUT" and (m := re.fullmatch(rp + r"/contents/(.+)", path)):
            branch = payload.get("branch", self.default_branch)
            files = dict(self.commits[self.branches[branch]])
            current = self._blob_sha(files.get(m.group(1), ""))
            if payload.get("sha") != current:
                return self._json({"message": f"README.md does not match {payload.get('sha')}"}, 409)
            files[m.group(1)] = base64.b64decode(payload["content"]).decode("utf-8")
            sha = self._commit(files, payload.get("message", ""))
            self.branches[branch] = sha
            for hook in self.after_put:
                hook()
            self.after_put.clear()
            return self._json({"content": self._content(m.group(1), files[m.group(1)]),
                               "commit": {"sha": sha, "url": f"{self.base}{rp}/git/commits/{sha}"}}, 200)  # fmt: skip
        if method == "GET" and path == rp + "/pulls":
            state = request.args.get("state", "open")
            found = [p for p in self.pulls if state == "all" or p["state"] == state]
            if head := request.args.get("head"):
                found = [p for p in found if p["head"]["label"] == head]
            return self._json(sorted(found, key=lambda p: -p["number"]))
        if method == "POST" and path == rp + "/pulls":
            head = payload["head"]
            if any(p["head"]["ref"] == head and p["state"] == "open" for p in self.pulls):
                return self._json({"message": "Validation Failed",
                                   "errors": [{"message": f"A pull request already exists for {self.owner}:{head}."}]},
                                  422)  # fmt: skip
            number = len(self.pulls) + 1
            pr = {
                "number": number, "state": "open", "title": payload["title"], "body": payload["body"],
                "html_url": f"https://github.example/{self.owner}/{self.name}/pull/{number}",
                "url": f"{self.base}{rp}/pulls/{number}", "issue_url": f"{self.base}{rp}/issues/{number}",
                "head": {"ref": head, "label": f"{self.owner}:{head}", "sha": self.branches[head]},
                "base": {"ref": payload["base"]}, "merged": False, "merge_commit_sha": None, "labels": [],
            }  # fmt: skip
            self.pulls.append(pr)
            return self._json(pr, 201)
        if method == "GET" and (m := re.fullmatch(rp + r"/pulls/(\d+)", path)):
            return self._json(self._pull(int(m.group(1))))
        if method == "PATCH" and (m := re.fullmatch(rp + r"/pulls/(\d+)", path)):
            pr = self._pull(int(m.group(1)))
            pr.update({k: v for k, v in payload.items() if k in ("title", "body", "state")})
            return self._json(pr)
        if method == "POST" and (m := re.fullmatch(rp + r"/issues/(\d+)/labels", path)):
            pr = self._pull(int(m.group(1)))
            names = payload if isinstance(payload, list) else payload.get("labels", [])
            pr["labels"] = sorted({*(label["name"] for label in pr["labels"]), *names})
            pr["labels"] = [{"name": n} for n in pr["labels"]]
            return self._json(pr["labels"])
        return self._json({"message": f"fake GitHub has no {method} {path}"}, 404)

    def _repo(self) -> dict:
        return {"id": 1, "name": self.name, "full_name": f"{self.owner}/{self.name}",
                "owner": {"login": self.owner}, "default_branch": self.default_branch,
                "url": f"{self.base}{self.repo_path}",
                "html_url": f"https://github.example/{self.owner}/{self.name}"}  # fmt: skip

    def _commit_json(self, sha: str) -> dict:
        url = f"{self.base}{self.repo_path}/commits/{sha}"
        return {"sha": sha, "url": url, "commit": {"message": self.messages.get(sha, ""), "url": url}}

    def _ref(self, name: str, sha: str) -> dict:
        url = f"{self.base}{self.repo_path}/git/refs/heads/{name}"
        return {"ref": f"refs/heads/{name}", "url": url, "object": {"sha": sha, "type": "commit", "url": url}}

    @staticmethod
    def _blob_sha(text: str) -> str:
        return hashlib.sha1(text.encode()).hexdigest()

    def _content(self, path: str, text: str) -> dict:
        return {"type": "file", "encoding": "base64", "path": path, "name": path.rsplit("/", 1)[-1],
                "content": base64.b64encode(text.encode()).decode(), "sha": self._blob_sha(text),
                "url": f"{self.base}{self.repo_path}/contents/{path}"}  # fmt: skip

    @staticmethod
    def _json(body, status: int = 200, headers: dict | None = None) -> Response:
        return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")
