"""Plain text out of HTML: article fragments (``html_to_text``) and whole pages (``main_text``).

Stdlib only (html.parser). Used where text arrives as HTML: the worker's sanitising of raw
articles and the feed poller's items and article pages.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
     "section", "article", "blockquote", "pre", "hr", "dd", "dt", "figcaption"}
)  # fmt: skip
_SKIP = frozenset(["script", "style", "noscript", "template", "svg", "head", "iframe"])
# Page furniture, dropped when looking for an article's main text.
_FURNITURE = frozenset(["nav", "header", "footer", "aside", "form", "menu", "button", "figure"])


class _TextParser(HTMLParser):
    """Collects text, one paragraph per block element, optionally inside <article>/<main>."""

    def __init__(self, skip: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip
        self.depth = 0  # inside how many skipped elements
        self.main_depth = 0  # inside how many <article>/<main>
        self.blocks: list[tuple[bool, str]] = []  # (inside main?, text)
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()
        if tag in self.skip:
            self.depth += 1
        elif tag in ("article", "main"):
            self._flush()
            self.main_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self._flush()
        if tag in self.skip:
            self.depth = max(0, self.depth - 1)
        elif tag in ("article", "main"):
            self._flush()
            self.main_depth = max(0, self.main_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.current.append(data)

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if text:
            self.blocks.append((self.main_depth > 0, text))
        self.current = []

    def finish(self) -> list[tuple[bool, str]]:
        self.close()
        self._flush()
        return self.blocks


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, one line per block."""
    if "<" not in html and "&" not in html:
        return re.sub(r"\s+", " ", html).strip()
    parser = _TextParser(_SKIP)
    parser.feed(html)
    return "\n".join(text for _, text in parser.finish())


def main_text(html: str, min_chars: int = 200) -> str | None:
    """The article text of a web page by a small heuristic, or None if too short.

    Drops scripts and page furniture (nav, header, footer, aside, forms); keeps what is inside
    ``<article>``/``<main>`` when the page has them, else every block of at least 40
    characters (short blocks are menus, bylines and buttons).
    """
    parser = _TextParser(_SKIP | _FURNITURE)
    parser.feed(html)
    blocks = parser.finish()
    inside = [text for in_main, text in blocks if in_main]
    chosen = inside or [text for _, text in blocks if len(text) >= 40]
    text = "\n".join(chosen)
    return text if len(text) >= min_chars else None
