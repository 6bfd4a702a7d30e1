"""Plain text out of HTML: article fragments (``html_to_text``) and whole pages (``main_text``).

Stdlib only (html.parser). Used where text arrives as HTML: the worker's sanitising of raw
articles and the feed poller's items and article pages.

Linear time on any input: html.parser looks for the end of a tag, comment or declaration
from each ``<`` afresh, so text full of unclosed ones (``<!--`` x 8,000: 3 s) cost the
square of its length. So the text after the last ``>``, where nothing can close, is text
without parsing (html.parser would find each ``<`` there unclosed and keep it as text), and
:class:`_TextParser` remembers when a comment, marked section or start tag ran unclosed to
the end (later ones of the same kind are unclosed too), and how far an unclosed start tag's
attributes were read (a ``<`` inside them is text). An unknown marked section
(``<![foo[``) is a bogus comment, not a crash.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from html.parser import locatestarttagend_tolerant as _TAG_SCAN  # type: ignore[attr-defined]

_BLOCK = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
     "section", "article", "blockquote", "pre", "hr", "dd", "dt", "figcaption"}
)  # fmt: skip
_SKIP = frozenset(["script", "style", "noscript", "template", "svg", "head", "iframe"])
# Page furniture, dropped when looking for an article's main text.
_FURNITURE = frozenset(["nav", "header", "footer", "aside", "form", "menu", "button", "figure"])


_UNCLOSED = -1  # html.parser's "not terminated"
_MARKED_SECTIONS = re.compile(r"<!\[\s*(temp|cdata|ignore|include|rcdata|if|else|endif)\b", re.I)


class _TextParser(HTMLParser):
    """Collects text, one paragraph per block element, optionally inside <article>/<main>."""

    def __init__(self, skip: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self._seen: str | None = None  # the rawdata the memory below is about
        self._open_from: dict[str, int] = {}  # kind -> a position from which it ran unclosed
        self._tag_scanned_to = -1  # a start tag before here is unclosed
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

    def _fresh(self) -> None:
        """Forget what was learnt about a previous rawdata (feed() keeps only its rest)."""
        if self._seen is not self.rawdata:
            self._seen, self._open_from, self._tag_scanned_to = self.rawdata, {}, -1

    def _unclosed(self, kind: str, i: int) -> bool:
        """True when a construct of ``kind`` at ``i`` is known not to close."""
        self._fresh()
        start = self._open_from.get(kind)
        return start is not None and i >= start

    def _remember(self, kind: str, i: int, end: int) -> int:
        if end == _UNCLOSED:
            self._open_from.setdefault(kind, i)
        return end

    def parse_comment(self, i: int, report: bool = True) -> int:
        if self._unclosed("comment", i):
            return _UNCLOSED
        return self._remember("comment", i, super().parse_comment(i, report))

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        if self._unclosed("marked", i):
            return _UNCLOSED
        if not _MARKED_SECTIONS.match(self.rawdata, i):
            return self.parse_bogus_comment(i, report)
        return self._remember("marked", i, super().parse_marked_section(i, report))

    def check_for_whole_start_tag(self, i: int) -> int:
        self._fresh()
        if i < self._tag_scanned_to:
            return _UNCLOSED
        end: int = super().check_for_whole_start_tag(i)
        if end == _UNCLOSED:
            # The scan read attributes up to somewhere before failing; a "<" in what it read
            # would be read the same way again, so it is text.
            scan = _TAG_SCAN.match(self.rawdata, i)
            self._tag_scanned_to = scan.end() if scan is not None else i
        return end

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.current.append(data)

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if text:
            self.blocks.append((self.main_depth > 0, text))
        self.current = []

    def read(self, html: str) -> list[tuple[bool, str]]:
        """The blocks of ``html``; the parser is used once."""
        cut = html.rfind(">") + 1
        self.feed(html[:cut])
        self.close()
        if cut < len(html) and self.cdata_elem is None:  # an unclosed <script> hides the rest
            self.handle_data(unescape(html[cut:]))
        self._flush()
        return self.blocks


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, one line per block."""
    if "<" not in html and "&" not in html:
        return re.sub(r"\s+", " ", html).strip()
    return "\n".join(text for _, text in _TextParser(_SKIP).read(html))


def main_text(html: str, min_chars: int = 200) -> str | None:
    """The article text of a web page by a small heuristic, or None if too short.

    Drops scripts and page furniture (nav, header, footer, aside, forms); keeps what is inside
    ``<article>``/``<main>`` when the page has them, else every block of at least 40
    characters (short blocks are menus, bylines and buttons).
    """
    blocks = _TextParser(_SKIP | _FURNITURE).read(html)
    inside = [text for in_main, text in blocks if in_main]
    chosen = inside or [text for _, text in blocks if len(text) >= 40]
    text = "\n".join(chosen)
    return text if len(text) >= min_chars else None
