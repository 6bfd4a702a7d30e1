"""Labels the parser does not read as an object and a name (source ``label``, shared with
:func:`constructions.label`, which reads "called the plan a disaster"):

* two predicate complements and no object: "called Ardern a 'clown'", "called Garland
  'terrific'" (the first names what is labelled, the second the label);
* a small clause: "labelling Bailey a 'Tory bigot'", "consider McCain a war hero" (the
  clause's subject is labelled);
* a relative pronoun object: "President Trump, whom he called a 'great champion'" (the noun
  the clause modifies is labelled).

The holder judges what is labelled by the name given to it; the direction is that of the
judgement words of the name (0 when it has none). One token's children are read, so the
pass stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues
from pipeline.enrich.constructions import clause_owner

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

_NOMINAL = frozenset({"NOUN", "PROPN"})
_RELATIVE = frozenset({"whom", "who"})


def label_clause(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``label`` for the parses :func:`constructions.label` does not read."""
    lemma = tok.lemma_.lower()
    if tok.pos_ != "VERB" or lemma not in cues.LABEL_VERBS or lemma == "refer":
        return
    found = labelled(tok)
    if found is None:
        return
    labelled_tok, name = found
    owners = s.reader.subject_holders(tok).entities or clause_owner(s, tok)
    # "Ron Paul, whom he called a friend": the pronoun subject of a relative clause often
    # resolves to the very noun the clause modifies, and no one labels himself here
    itself = s.owner.doc.entity_of(s.field, labelled_tok)
    owners = [o for o in owners if o is not itself]
    if owners:
        yield from s.each(owners, [labelled_tok], tok, "label", s.judged(name), "subject", lemma)


def labelled(verb: Token) -> tuple[Token, Token] | None:
    """What a label verb labels and the name it gives, for the three parses of the module
    doc; None for any other (an object with a name is :func:`constructions.label`'s)."""
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    names = [c for c in verb.children if c.dep_ == "oprd"]
    if not objects and len(names) >= 2 and names[0].pos_ in _NOMINAL:
        return names[0], names[1]  # "called Ardern a 'clown'"
    if not objects:
        for clause in verb.children:
            if clause.dep_ in {"ccomp", "xcomp"} and clause.pos_ in {*_NOMINAL, "ADJ"}:
                subject = next((c for c in clause.children if c.dep_ == "nsubj"), None)
                if subject is not None:
                    return subject, clause  # "labelling Bailey a 'Tory bigot'"
    relative = verb.dep_ == "relcl" and any(o.lower_ in _RELATIVE for o in objects)
    if relative and names and verb.head.pos_ in _NOMINAL:
        return verb.head, names[0]  # "Trump, whom he called a 'great champion'"
    return None
