"""One parsed article: its fields, sentences and canonical entities, indexed for lookups."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from pipeline.enrich.entities import Cluster
from pipeline.enrich.nlp import ParsedField
from pipeline.models import Evidence, TextField


@dataclass(frozen=True)
class Sentence:
    """A sentence with whitespace-trimmed offsets into its original field."""

    index: int
    field: TextField
    span: Span
    start: int
    end: int
    text: str

    def evidence(self) -> Evidence:
        return Evidence(text=self.text, start=self.start, end=self.end, field=self.field)


@dataclass
class Document:
    """Everything the stance and tone stages need, computed once per article."""

    fields: list[ParsedField]
    clusters: list[Cluster]
    sentences: list[Sentence] = field(default_factory=list)
    _entity_at: dict[tuple[TextField, int], int] = field(default_factory=dict)
    _sentence_at: dict[tuple[TextField, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for parsed in self.fields:
            for sent in parsed.doc.sents:
                self._add_sentence(parsed, sent)
        for ci, c in enumerate(self.clusters):
            for m in c.mentions:
                for i in range(m.tok_start, m.tok_end):
                    self._entity_at[(m.field, i)] = ci

    def _add_sentence(self, parsed: ParsedField, sent: Span) -> None:
        raw = parsed.text[sent.start_char : sent.end_char]
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        if not text:
            return
        start = sent.start_char + lead
        index = len(self.sentences)
        self.sentences.append(Sentence(index, parsed.field, sent, start, start + len(text), text))
        for i in range(sent.start, sent.end):
            self._sentence_at[(parsed.field, i)] = index

    def entity_of(self, field_name: TextField, token: Token) -> Cluster | None:
        """The canonical entity a token belongs to, if any."""
        ci = self._entity_at.get((field_name, token.i))
        return None if ci is None else self.clusters[ci]

    def sentence_of(self, field_name: TextField, token_i: int) -> Sentence | None:
        si = self._sentence_at.get((field_name, token_i))
        return None if si is None else self.sentences[si]

    def entity_sentences(self, c: Cluster) -> list[int]:
        """Indices of the sentences that mention an entity, in order, without repeats."""
        found = {self._sentence_at.get((m.field, m.tok_start)) for m in c.mentions}
        return sorted(i for i in found if i is not None)
