"""A small stateful fake of the GitHub REST endpoints mimwatch uses, served on loopback for real PyGithub.

It keeps a commit graph (parents, trees, blobs) and GitHub's rules that matter to a bot which edits a pull
request's branch: a reference moves only forward unless forced; a pull request whose head has no commits
over its base is closed by GitHub, and cannot be reopened until it has some.
"""

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
    parents: dict[str, list[str]] = field(default_factory=dict)  # sha -> parent shas
    trees: dict[str, dict[str, str]] = field(default_factory=dict)  # tree sha -> {path: text}
    blobs: dict[str, str] = field(default_factory=dict)  # blob sha -> text
    branches: dict[str, str] = field(default_factory=dict)  # name -> sha
    pulls: list[dict] = field(default_factory=list)
    faults: list[tuple[str, str, int, dict, dict]] = field(
        default_factory=list
    )  # method, path regex, status, headers, body
    after_put: list = field(default_factory=list)  # callables run once after a client moves a branch
    after_commit: list = field(default_factory=list)  # callables run once after a client creates a commit
    log: list[tuple[str, str]] = field(default_factory=list)
    seen_auth: set[str] = field(default_factory=set)
    ref_moves: list[tuple[str, str | None, str, bool]] = field(default_factory=list)  # branch, old, new, forced
    closed_by_github: list[int] = field(default_factory=list)  # PRs GitHub closed: head without commits over base
    users: dict[str, str] = field(default_factory=dict)  # token -> login (any other token: the bot)
    permissions: dict[str, str] = field(default_factory=dict)  # login -> admin, maintain, write, triage, read
    bot_login: str = "github-actions[bot]"

    def __post_init__(self) -> None:
        self.repo_path = f"/repos/{self.owner}/{self.name}"

    # ---- state helpers for tests ----------------------------------------------------------------

    def seed(self, text: str) -> str:
        sha = self._commit({self.list_path: text}, "Initial list", [])
        self.branches[self.default_branch] = sha
        return sha

    def text(self, branch: str | None = None) -> str:
        return self.commits[self.branches[branch or self.default_branch]][self.list_path]

    def push_to_main(self, text: str) -> None:
        main = self.branches[self.default_branch]
        self._move(self.default_branch, self._commit({self.list_path: text}, "Update README.md", [main]))

    def edit_branch(self, branch: str, text: str, message: str = "Update README.md") -> str:
        """A maintainer's commit to a branch (GitHub's web editor gives it this message)."""
        sha = self._commit({self.list_path: text}, message, [self.branches[branch]])
        self._move(branch, sha)
        return sha

    def force_branch(self, branch: str, sha: str) -> None:
        """Someone force-pushes `sha` to `branch`."""
        self._move(branch, sha, forced=True)

    def merge(self, number: int, text: str | None = None) -> None:
        pr = self._pull(number)
        head = self.branches[pr["head"]["ref"]]
        merged_text = text if text is not None else self.commits[head][self.list_path]
        sha = self._commit({self.list_path: merged_text}, f"Merge pull request #{number}",
                           [self.branches[self.default_branch], head])  # fmt: skip
        self.branches[self.default_branch] = sha
        pr.update(state="closed", merged=True, merge_commit_sha=sha)

    def close(self, number: int) -> None:
        self._pull(number).update(state="closed", merged=False)

    def edit_body(self, number: int, body: str, user: str) -> None:
        """`user` edits the PR's description (ticks a box): GitHub notes them as its last editor."""
        self._pull(number).update(body=body, editor=user)

    def tick(self, number: int, line_part: str, user: str) -> None:
        """`user` ticks the unticked box on the line of the PR body that contains `line_part`."""
        body = self._pull(number)["body"]
        lines = body.split("\n")
        (i,) = [i for i, line in enumerate(lines) if line_part in line and "- [ ]" in line]
        lines[i] = lines[i].replace("- [ ]", "- [x]", 1)
        self.edit_body(number, "\n".join(lines), user)

    def edited_event(self, number: int, user: str) -> dict:
        """The payload of the `pull_request` event GitHub sends when `user` edited the PR (GITHUB_EVENT_PATH)."""
        pr = self._pull_json(self._pull(number))
        return {"action": "edited", "number": number, "pull_request": pr, "sender": {"login": user, "type": "User"},
                "repository": {"full_name": f"{self.owner}/{self.name}"}}  # fmt: skip

    def history(self, sha: str) -> list[str]:
        """Every commit reachable from `sha` (itself included), newest first by discovery."""
        seen: list[str] = []
        todo = [sha]
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.append(current)
            todo += self.parents.get(current, [])
        return seen

    def ahead_of_base(self, branch: str) -> list[str]:
        """The commits of `branch` that its base (the default branch) does not have."""
        base = set(self.history(self.branches[self.default_branch]))
        return [c for c in self.history(self.branches[branch]) if c not in base]

    def _commit(self, files: dict[str, str], message: str, parents: list[str]) -> str:
        tree = self._tree(files)
        sha = hashlib.sha1(json.dumps([len(self.commits), tree, message, parents]).encode()).hexdigest()
        self.commits[sha] = dict(files)
        self.messages[sha] = message
        self.parents[sha] = list(parents)
        return sha

    def _tree(self, files: dict[str, str]) -> str:
        sha = hashlib.sha1(json.dumps(sorted(files.items())).encode()).hexdigest()
        self.trees[sha] = dict(files)
        for text in files.values():
            self.blobs[self._blob_sha(text)] = text
        return sha

    def _tree_of(self, commit: str) -> str:
        return self._tree(self.commits[commit])

    def _move(self, branch: str, sha: str, forced: bool = False) -> None:
        old = self.branches.get(branch)
        self.branches[branch] = sha
        self.ref_moves.append((branch, old, sha, forced))
        self._close_empty_pulls()

    def _close_empty_pulls(self) -> None:
        """GitHub's rule: an open PR whose head has no commits over its base is closed."""
        for pr in self.pulls:
            if pr["state"] == "open" and not self.ahead_of_base(pr["head"]["ref"]):
                pr["state"] = "closed"
                self.closed_by_github.append(pr["number"])

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
        token = request.headers.get("Authorization", "").split(" ")[-1]
        self.caller = self.users.get(token, self.bot_login)
        response = self._answer(request, method, path, payload)
        moved_a_branch = "/git/refs" in path or (method == "PUT" and "/contents/" in path)
        if method in ("PUT", "PATCH", "POST") and response.status_code < 300 and moved_a_branch:
            for hook in self.after_put:
                hook()
            self.after_put.clear()
        return response

    def _answer(self, request: Request, method: str, path: str, payload) -> Response:
        rp = self.repo_path
        if method == "GET" and path == rp:
            return self._json(self._repo())
        if method == "POST" and path in ("/graphql", "/api/graphql"):
            return self._graphql(payload)
        if method == "GET" and (m := re.fullmatch(rp + r"/collaborators/([^/]+)/permission", path)):
            login = m.group(1)
            level = "admin" if login == self.bot_login else self.permissions.get(login, "none")
            # GitHub's `permission` folds maintain into write and triage into read; role_name is exact.
            folded = {"maintain": "write", "triage": "read"}.get(level, level)
            return self._json({"permission": folded, "role_name": level,
                               "user": {"login": login, "type": "User"}})  # fmt: skip
        if method == "GET" and (m := re.fullmatch(rp + r"/branches/(.+)", path)):
            sha = self.branches.get(m.group(1))
            if sha is None:
                return self._json({"message": "Branch not found"}, 404)
            return self._json({"name": m.group(1), "commit": self._commit_json(sha)})
        if method == "GET" and (m := re.fullmatch(rp + r"/commits/([0-9a-f]+)", path)):
            return self._json(self._commit_json(m.group(1)))
        if method == "GET" and (m := re.fullmatch(rp + r"/git/commits/([0-9a-f]+)", path)):
            if m.group(1) not in self.commits:
                return self._json({"message": "Not Found"}, 404)
            return self._json(self._git_commit_json(m.group(1)))
        if method == "GET" and (m := re.fullmatch(rp + r"/compare/([^.]+)\.\.\.(.+)", path)):
            return self._compare(m.group(1), m.group(2))
        if method == "GET" and (m := re.fullmatch(rp + r"/contents/(.+)", path)):
            ref = request.args.get("ref", self.default_branch)
            sha = self.branches.get(ref, ref)
            files = self.commits.get(sha)
            if files is None or m.group(1) not in files:
                return self._json({"message": "Not Found"}, 404)
            return self._json(self._content(m.group(1), files[m.group(1)]))
        if method == "POST" and path == rp + "/git/blobs":
            text = payload["content"]
            if payload.get("encoding") == "base64":
                text = base64.b64decode(text).decode("utf-8")
            self.blobs[self._blob_sha(text)] = text
            return self._json({"sha": self._blob_sha(text), "url": f"{self.base}{rp}/git/blobs/x"}, 201)
        if method == "POST" and path == rp + "/git/trees":
            files = dict(self.trees.get(payload.get("base_tree") or "", {}))
            for item in payload["tree"]:
                if item.get("content") is not None:
                    files[item["path"]] = item["content"]
                elif item.get("sha") in self.blobs:
                    files[item["path"]] = self.blobs[item["sha"]]
                else:
                    return self._json({"message": "Invalid tree info"}, 422)
            sha = self._tree(files)
            return self._json({"sha": sha, "url": f"{self.base}{rp}/git/trees/{sha}", "tree": []}, 201)
        if method == "POST" and path == rp + "/git/commits":
            if payload["tree"] not in self.trees or any(p not in self.commits for p in payload.get("parents", [])):
                return self._json({"message": "Tree SHA or parent SHA does not exist"}, 422)
            sha = self._commit(self.trees[payload["tree"]], payload["message"], payload.get("parents", []))
            for hook in self.after_commit:
                hook()
            self.after_commit.clear()
            return self._json(self._git_commit_json(sha), 201)
        if method == "GET" and (m := re.fullmatch(rp + r"/git/refs?/heads/(.+)", path)):
            sha = self.branches.get(m.group(1))
            if sha is None:
                return self._json({"message": "Not Found"}, 404)
            return self._json(self._ref(m.group(1), sha))
        if method == "POST" and path == rp + "/git/refs":
            name = payload["ref"].removeprefix("refs/heads/")
            if name in self.branches:
                return self._json({"message": "Reference already exists"}, 422)
            if payload["sha"] not in self.commits:
                return self._json({"message": "Object does not exist"}, 422)
            self._move(name, payload["sha"])
            return self._json(self._ref(name, payload["sha"]), 201)
        if method == "PATCH" and (m := re.fullmatch(rp + r"/git/refs?/heads/(.+)", path)):
            name, new = m.group(1), payload["sha"]
            old = self.branches.get(name)
            if old is None:
                return self._json({"message": "Reference does not exist"}, 422)
            if not payload.get("force") and old not in self.history(new):
                return self._json({"message": "Update is not a fast forward"}, 422)
            self._move(name, new, forced=bool(payload.get("force")))
            return self._json(self._ref(name, new))
        if method == "PUT" and (m := re.fullmatch(rp + r"/contents/(.+)", path)):
            branch = payload.get("branch", self.default_branch)
            files = dict(self.commits[self.branches[branch]])
            current = self._blob_sha(files.get(m.group(1), ""))
            if payload.get("sha") != current:
                return self._json({"message": f"README.md does not match {payload.get('sha')}"}, 409)
            files[m.group(1)] = base64.b64decode(payload["content"]).decode("utf-8")
            sha = self._commit(files, payload.get("message", ""), [self.branches[branch]])
            self._move(branch, sha)
            return self._json({"content": self._content(m.group(1), files[m.group(1)]),
                               "commit": {"sha": sha, "url": f"{self.base}{self.repo_path}/git/commits/{sha}"}}, 200)  # fmt: skip
        if method == "GET" and path == rp + "/pulls":
            state = request.args.get("state", "open")
            found = [p for p in self.pulls if state == "all" or p["state"] == state]
            if head := request.args.get("head"):
                found = [p for p in found if p["head"]["label"] == head]
            return self._json([self._pull_json(p) for p in sorted(found, key=lambda p: -p["number"])])
        if method == "POST" and path == rp + "/pulls":
            head = payload["head"]
            if any(p["head"]["ref"] == head and p["state"] == "open" for p in self.pulls):
                return self._json({"message": "Validation Failed",
                                   "errors": [{"message": f"A pull request already exists for {self.owner}:{head}."}]},
                                  422)  # fmt: skip
            if head not in self.branches or not self.ahead_of_base(head):
                return self._json({"message": "Validation Failed",
                                   "errors": [{"message": f"No commits between {payload['base']} and {head}"}]},
                                  422)  # fmt: skip
            number = len(self.pulls) + 1
            pr = {
                "number": number, "state": "open", "title": payload["title"], "body": payload["body"],
                "html_url": f"https://github.example/{self.owner}/{self.name}/pull/{number}",
                "url": f"{self.base}{rp}/pulls/{number}", "issue_url": f"{self.base}{rp}/issues/{number}",
                "head": {"ref": head, "label": f"{self.owner}:{head}"},
                "base": {"ref": payload["base"]}, "merged": False, "merge_commit_sha": None, "labels": [],
            }  # fmt: skip
            self.pulls.append(pr)
            return self._json(self._pull_json(pr), 201)
        if method == "GET" and (m := re.fullmatch(rp + r"/pulls/(\d+)", path)):
            return self._json(self._pull_json(self._pull(int(m.group(1)))))
        if method == "PATCH" and (m := re.fullmatch(rp + r"/pulls/(\d+)", path)):
            pr = self._pull(int(m.group(1)))
            if payload.get("state") == "open" and pr["state"] == "closed" and not self.ahead_of_base(pr["head"]["ref"]):
                return self._json({"message": "Validation Failed", "errors": [
                    {"message": "state cannot be changed. The branch has no history in common or no new commits"}]},
                    422)  # fmt: skip
            pr.update({k: v for k, v in payload.items() if k in ("title", "body", "state")})
            if "body" in payload:
                pr["editor"] = self.caller
            return self._json(self._pull_json(pr))
        if method == "POST" and (m := re.fullmatch(rp + r"/issues/(\d+)/labels", path)):
            pr = self._pull(int(m.group(1)))
            names = payload if isinstance(payload, list) else payload.get("labels", [])
            pr["labels"] = sorted({*(label["name"] for label in pr["labels"]), *names})
            pr["labels"] = [{"name": n} for n in pr["labels"]]
            return self._json(pr["labels"])
        return self._json({"message": f"fake GitHub has no {method} {path}"}, 404)

    def _compare(self, base: str, head: str) -> Response:
        base_sha, head_sha = self.branches.get(base, base), self.branches.get(head, head)
        if base_sha not in self.commits or head_sha not in self.commits:
            return self._json({"message": "Not Found"}, 404)
        base_history, head_history = self.history(base_sha), self.history(head_sha)
        ahead = [c for c in head_history if c not in base_history]
        behind = [c for c in base_history if c not in head_history]
        merge_base = next(c for c in head_history if c in base_history)
        status = "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else (
            "diverged")  # fmt: skip
        return self._json({
            "status": status, "ahead_by": len(ahead), "behind_by": len(behind), "total_commits": len(ahead),
            "url": f"{self.base}{self.repo_path}/compare/{base}...{head}",
            "base_commit": self._commit_json(base_sha), "merge_base_commit": self._commit_json(merge_base),
            "commits": [self._commit_json(c) for c in reversed(ahead)], "files": [],
        })  # fmt: skip

    def _graphql(self, payload: dict) -> Response:
        """The one query mimwatch asks: who last edited a pull request's description."""
        query, variables = payload.get("query", ""), payload.get("variables", {})
        if "pullRequest" not in query or "editor" not in query:
            return self._json({"errors": [{"message": f"fake GitHub cannot answer {query!r}"}]}, 200)
        pr = next((p for p in self.pulls if p["number"] == variables.get("number")), None)
        if pr is None:
            return self._json({"data": {"repository": {"pullRequest": None}},
                               "errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a PullRequest"}]})  # fmt: skip
        editor = pr.get("editor")
        return self._json({"data": {"repository": {"pullRequest": {
            "editor": {"login": editor} if editor else None, "lastEditedAt": "2024-03-06T10:00:00Z" if editor else None,
        }}}})  # fmt: skip

    def _repo(self) -> dict:
        return {"id": 1, "name": self.name, "full_name": f"{self.owner}/{self.name}",
                "owner": {"login": self.owner}, "default_branch": self.default_branch,
                "url": f"{self.base}{self.repo_path}",
                "html_url": f"https://github.example/{self.owner}/{self.name}"}  # fmt: skip

    def _pull_json(self, pr: dict) -> dict:
        ref = pr["head"]["ref"]
        shown = {k: v for k, v in pr.items() if k != "editor"}  # REST does not say who edited the body
        return {**shown, "head": {**pr["head"], "sha": self.branches.get(ref, "")},
                "user": {"login": self.bot_login, "type": "Bot"}}  # fmt: skip

    def _commit_json(self, sha: str) -> dict:
        url = f"{self.base}{self.repo_path}/commits/{sha}"
        parents = [{"sha": p, "url": f"{self.base}{self.repo_path}/commits/{p}"} for p in self.parents.get(sha, [])]
        return {"sha": sha, "url": url, "parents": parents,
                "commit": {"message": self.messages.get(sha, ""), "url": url}}  # fmt: skip

    def _git_commit_json(self, sha: str) -> dict:
        url = f"{self.base}{self.repo_path}/git/commits/{sha}"
        tree = self._tree_of(sha)
        return {"sha": sha, "url": url, "message": self.messages[sha],
                "tree": {"sha": tree, "url": f"{self.base}{self.repo_path}/git/trees/{tree}"},
                "parents": [{"sha": p, "url": f"{self.base}{self.repo_path}/git/commits/{p}"}
                            for p in self.parents.get(sha, [])]}  # fmt: skip

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
