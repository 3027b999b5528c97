"""Markdown escaping for text from outside (arXiv titles, authors) written into a list or a PR."""

from __future__ import annotations

import html
import re

# Characters that change the meaning of Markdown or HTML inside a list entry.
_MD_SPECIAL = "\\`*_[]|<>"
_UNESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")


def escape_markdown(text: str) -> str:
    """Escape text from outside (arXiv titles, authors) so that it renders literally inside a list entry."""
    out = []
    for ch in text:
        if ch in "<>":
            out.append(html.escape(ch))
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def unescape_markdown(text: str) -> str:
    """Inverse of `escape_markdown`; a no-op on the plain text most hand-written entries hold."""
    if "\\" not in text and "&" not in text:  # plain text (most of a list): nothing to look for
        return text
    text = _UNESCAPE_RE.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">")
