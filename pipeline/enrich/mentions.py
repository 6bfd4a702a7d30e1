"""Mention extraction: spaCy's entities, repaired with general news rules.

Each mention carries label *votes* rather than a final label: the label is decided once per
canonical entity (see :mod:`pipeline.enrich.entities`), from the evidence of all mentions.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from pipeline.enrich import colon_speakers, surnames
from pipeline.enrich import gazetteer as gz
from pipeline.enrich.cues import VERBS as STANCE_VERBS
from pipeline.enrich.lexicon import SPEECH_VERBS
from pipeline.enrich.nlp import ParsedField
from pipeline.enrich.places import place_spans
from pipeline.enrich.results import team_spans
from pipeline.enrich.surnames import given_names
from pipeline.models import Quantity, TextField

QUANTITY_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
# Amounts the small model misses: "$180 billion", "€2.5bn", "12 percent". A number is read
# whole (possessive ``*+``), and a percent sign is looked for only after a whole number:
# trying every digit of "1.1.1.…" as a start would cost the square of its length.
_AMOUNT = re.compile(
    r"(?:(?:more|less) than )?[$€£¥]\s?\d[\d,.]*+(?:\s?(?:trillion|billion|million|bn|m)\b)?"
    r"|\b\d[\d,.]*+"
)
_PERCENT = re.compile(r"\s?(?:%|percent\b|per cent\b)")
_LEADING_DROP = frozenset({"the", "a", "an"})
_TRAILING_DROP = frozenset({"'s", "'", "s", ".", ",", ";", ":", '"', "-", "\u2014"})
# Honours and offices written after a person's name ("Terrence Cole QC", "Jane Smith MP"):
# not part of it, unlike a generational suffix ("Don Jr.", "Elizabeth II").
_POST_NOMINALS = frozenset({"qc", "kc", "sc", "mp", "mep", "msp", "mla", "obe", "mbe", "cbe"})
# A regnal number of two or more letters ("II", "XVI"): "I", "V" and "X" alone are other words.
_REGNAL = re.compile(r"(?=[IVX]{2,}$)X{0,3}(?:IX|IV|V?I{0,3})")
# Titles a regnal name follows: "Queen Elizabeth II", "Pope Benedict XVI", "King Abdullah II".
_MONARCHS = frozenset(
    {"queen", "king", "pope", "prince", "princess", "emperor", "empress", "tsar", "czar",
     "sultan", "shah", "emir"}
)  # fmt: skip

# Vote weights: general-knowledge and syntactic evidence outweighs the small model's guess.
GAZETTEER_VOTE = 6.0
TITLE_VOTE = 4.0
PATTERN_VOTE = 4.0
TEAM_VOTE = 8.0  # a name next to a score is a team, whatever the gazetteer says
MODIFIER_WEIGHT = 0.25


@dataclass
class RawMention:
    """One entity occurrence before grouping; ``start``/``end`` index the original field."""

    field: TextField
    start: int
    end: int
    text: str
    tok_start: int
    tok_end: int
    votes: defaultdict[str, float] = dataclasses.field(
        default_factory=lambda: defaultdict(float)
    )  # label -> weight of evidence
    titles: set[str] = dataclasses.field(default_factory=set)

    @property
    def tokens(self) -> list[str]:
        return self.text.split()


def clean_name(text: str) -> str:
    """A name as entities are named: straight apostrophes, single spaces."""
    return " ".join(text.replace("\u2019", "'").split())


def name_key(text: str) -> str:
    """Case- and variant-insensitive key: "the U.S." and "US" share one."""
    key = clean_name(text).lower()
    key = key.removeprefix("the ")
    key = key.removesuffix("'s").removesuffix("'")
    return gz.COUNTRY_ALIASES.get(key, key)


def extract(parsed: ParsedField) -> tuple[list[RawMention], list[Quantity]]:
    """Name mentions and quantities of one field."""
    mentions: list[RawMention] = []
    quantities: list[Quantity] = []
    teams = team_spans(parsed.doc)
    team_bounds = {(t.start, t.end) for t in teams}
    for ent in entity_spans(parsed.doc, teams):
        if ent.label_ in QUANTITY_LABELS:
            quantities.append(_quantity(parsed, ent))
            continue
        mention = _from_ent(parsed, ent)
        if mention is not None:
            if (ent.start, ent.end) in team_bounds:
                mention.votes["ORG"] += TEAM_VOTE
            mentions.append(mention)
    quantities += _missed_amounts(parsed, quantities)
    quantities.sort(key=lambda q: q.start)
    mentions = _dateline_mentions(parsed, mentions)
    mentions += _unlabelled_names(parsed, mentions)
    mentions += _speaker_names(parsed, mentions)
    mentions = _colon_speaker_mentions(parsed, mentions)
    mentions += _surname_mentions(parsed, mentions)
    mentions += _person_by_pronoun(parsed, mentions)
    mentions.sort(key=lambda m: m.start)
    for mention in mentions:
        _city_country_vote(parsed.doc, mention)
    return mentions, quantities


def entity_spans(doc: Doc, teams: list[Span] | None = None) -> list[Span]:
    """NER's entities with place names laid over them, cut at line breaks; teams win.

    A place name wins over a shorter or equal entity it overlaps, so "Hong Kong", "Tel Aviv"
    and "Buenos Aires" are never split (a longer entity such as "New York Times" keeps its
    words); a single-word place is added only where it is a proper noun. No span crosses a
    line break (results lines and lists are separate lines of names), a bracket ("Federal
    Bureau of Investigation (FBI" is a name and its acronym) or, in a name, a colon
    ("Ocasio-Cortez: Trump" is a speaker and whom she speaks of). ``teams`` (names next
    to a score, :mod:`pipeline.enrich.results`) replace every span they overlap.
    """
    # "Samuel Mwanza ... Mwanza said": a lone word that is the surname of a person NER named
    # here is that person, not the Tanzanian city it also is
    surnames = {e[-1].lower_ for e in doc.ents if e.label_ == "PERSON" and len(e) > 1}
    places = [
        s
        for s in place_spans(doc)
        if len(s) > 1 or (s[0].pos_ == "PROPN" and s[0].lower_ not in surnames)
    ]
    spans = filter_spans([*doc.ents, *places])  # stable: NER's span wins a tie
    if teams:
        taken = {i for t in teams for i in range(t.start, t.end)}
        spans = [*teams, *(s for s in spans if not taken.intersection(range(s.start, s.end)))]
    return [piece for span in sorted(spans) for piece in _split_lines(span)]


_BRACKETS = frozenset("()[]")
# Labels of names, which a colon ends ("Ocasio-Cortez: Trump's tax cuts ..." is a speaker and
# what she said); a title keeps its colon ("Fire and Fury: Inside the Trump White House").
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})


def _split_lines(span: Span) -> list[Span]:
    pieces: list[Span] = []
    start = span.start
    colon_ends = span.label_ in _NAME_LABELS
    for tok in span:
        if (
            "\n" in tok.text
            or tok.is_space
            or tok.text in _BRACKETS
            or (colon_ends and tok.text == ":")
        ):
            if start < tok.i:
                pieces.append(Span(span.doc, start, tok.i, label=span.label_))
            start = tok.i + 1
        elif "\n" in tok.whitespace_:
            pieces.append(Span(span.doc, start, tok.i + 1, label=span.label_))
            start = tok.i + 1
    if start < span.end:
        pieces.append(Span(span.doc, start, span.end, label=span.label_))
    return pieces


def _quantity(parsed: ParsedField, ent: Span) -> Quantity:
    text = parsed.text[ent.start_char : ent.end_char]
    return Quantity(
        text=text, label=ent.label_, start=ent.start_char, end=ent.end_char, field=parsed.field
    )


def _missed_amounts(parsed: ParsedField, found: list[Quantity]) -> list[Quantity]:
    """MONEY/PERCENT amounts found by pattern where NER saw nothing."""
    text = parsed.doc.text
    taken = sorted((q.start, q.end) for q in found)
    starts = [a for a, _ in taken]
    reach = list(itertools.accumulate((b for _, b in taken), max))  # furthest end so far
    extra: list[Quantity] = []
    for match in _AMOUNT.finditer(text):
        a, b = match.span()
        if text[a].isdigit():
            percent = _PERCENT.match(text, b)
            if percent is None:
                continue
            b = percent.end()
        # Overlaps a quantity NER found: one that starts before b and ends after a.
        before = bisect.bisect_left(starts, b)
        if before and reach[before - 1] > a:
            continue
        label = "PERCENT" if re.search(r"%|per ?cent", text[a:b]) else "MONEY"
        extra.append(
            Quantity(text=parsed.text[a:b], label=label, start=a, end=b, field=parsed.field)
        )
    return extra


def _trim(ent: Span) -> tuple[int, int, set[str]]:
    """Token bounds without determiners, leading titles and trailing possessives."""
    start, end = ent.start, ent.end
    titles: set[str] = set()
    doc = ent.doc
    keep_title = _titled_organisation(ent)
    while start < end - 1 and (
        doc[start].lower_ in _LEADING_DROP
        or (_title_word(doc[start], ent.label_) and not keep_title)
        or (doc[start].tag_ == "HYPH" and titles and doc[start - 1].lower_ in titles)
    ):  # the hyphen of a compound title: "the Governor-General", "Attorney-General X"
        if _title_word(doc[start], ent.label_):
            titles.add(doc[start].lower_)
        start += 1
    while end > start + 1 and doc[end - 1].lower_ in _TRAILING_DROP:
        end -= 1
    while ent.label_ == "PERSON" and end > start + 1 and doc[end - 1].lower_ in _POST_NOMINALS:
        end -= 1
    end = _connector_end(doc, start, end, ent.label_)
    while end > start + 1 and _function_word(doc[end - 1]):
        end -= 1  # a connector with no name after it: "Mt Archer on" (Queensland's ...)
    if ent.label_ != "PERSON" and _before_a_name(doc, end):
        # "Missouri Solicitor General James Farrow", "U.S. Magistrate Judge Anne Sorensen":
        # the title words NER took belong to the person named after them — only when a
        # place is left ("International Court of Justice President X" keeps its name)
        cut = end
        while cut > start + 1 and doc[cut - 1].lower_ in gz.PERSON_TITLES:
            cut -= 1
        if cut < end and gz.place_label(name_key(doc[start:cut].text)) is not None:
            end = cut
    if end < len(doc) and doc[end].lower_ in gz.PERSON_ROLES and not _office(doc, start):
        # "British Defence Secretary X": the portfolio belongs to the title, not the name;
        # not a name's own last word ("International Court of Justice President X")
        cut = end
        while cut > start and doc[cut - 1].lower_ in gz.PORTFOLIOS:
            cut -= 1
        if cut == start or doc[cut - 1].lower_ not in {"of", "for", "and", "the"}:
            end = cut
    return start, end, titles


def _function_word(tok: Token) -> bool:
    """A lower-case preposition or conjunction, which no name ends with: NER's "Mt Archer on"
    (Queensland's Sunshine Coast)."""
    return tok.is_lower and tok.pos_ in {"ADP", "CCONJ"}


# Short titles without a full stop: titles only as written so ("Ms", "Dr"), since in
# capitals they are also initials and abbreviations ("MS Dhoni", "DR Congo").
_BARE_SHORT_TITLES = frozenset(t for t in gz.SHORT_TITLES if not t.endswith("."))

# Words a name does not end with: NER stopped inside a name ("the Australian Competition
# and | Consumer Commission") or ran past one ("Carl Walz and Dan Bursch - and is due").
_CONNECTORS = frozenset({"and", "&", "of", "for"})
_NAME_RUN = 4  # capitalised words a cut name is carried on over


def _connector_end(doc: Doc, start: int, end: int, label: str) -> int:
    """The end of a name whose span ends in a connector: carried on over the capitalised
    words NER left out after it, else without it (and without the punctuation before)."""
    if end <= start + 1 or doc[end - 1].lower_ not in _CONNECTORS:
        return end
    # a person's name has no "and": "Rocky IV and | Star Wars" is two names
    run = end if label == "PERSON" else _name_run_end(doc, end)
    if run > end:
        return run
    end -= 1
    while end > start + 1 and doc[end - 1].lower_ in _TRAILING_DROP:
        end -= 1
    return end


def _name_run_end(doc: Doc, end: int) -> int:
    run = end
    while run < len(doc) and run - end < _NAME_RUN and _left_out_name_word(doc[run]):
        run += 1
    return run


def _left_out_name_word(tok: Token) -> bool:
    return tok.ent_iob_ == "O" and tok.is_alpha and (tok.is_title or tok.is_upper)


def _title_word(tok: Token, label: str) -> bool:
    """A title, or, leading a person's name, a title in the plural ("Senators Amy Brandt
    and ..."; not in an organisation's: "Ottawa Senators")."""
    if tok.lower_ in _BARE_SHORT_TITLES:
        return tok.is_title  # "Ms Bishop", not the initials of "MS Dhoni"
    if tok.lower_ in gz.PERSON_TITLES:
        return True
    return label == "PERSON" and tok.lower_.endswith("s") and tok.lower_[:-1] in gz.PERSON_TITLES


def _before_a_name(doc: Doc, end: int) -> bool:
    """Does a title or a person's name follow the span ending at ``end``?"""
    return end < len(doc) and (
        doc[end].lower_ in gz.PERSON_TITLES or doc[end].ent_type_ == "PERSON"
    )


def _office(doc: Doc, start: int) -> bool:
    """Does the name open like an office's ("Department for Transport", "Ministry of
    Health")? Its portfolio word is its own, also before "spokeswoman"."""
    return doc[start].lower_ in gz.ORG_PREFIXES


def _hyphen_end(doc: Doc, end: int, label: str) -> int:
    """The end of a person's name NER cut at a hyphen inside a word: "Park Ji-won" tagged
    "Park Ji" (the tokenizer splits "Ji-won" into three tokens, and a canonical name lost
    its end). Only a person's, and never into another name or a participle: "Iran-backed",
    "Israel-Hamas", "US-China" stay apart."""
    if label != "PERSON":
        return end
    while (
        0 < end < len(doc) - 1
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and doc[end + 1].is_alpha
        and doc[end + 1].ent_iob_ == "O"
        and doc[end + 1].tag_ not in {"VBN", "VBD", "JJ"}
    ):
        end += 2
    return end


def _titled_organisation(ent: Span) -> bool:
    """Is a title word the first word of an organisation's name ("the Premier League", "the
    Justice Department", "General Motors")? Stripped as a title it left "League" and
    "Motors", which the title then voted a person. Only for a name the model did not call a
    person: "President Biden" misread as an organisation still loses its title."""
    if ent.label_ == "PERSON":
        return False
    words = [t.lower_ for t in ent if t.lower_ not in _LEADING_DROP]
    if len(words) < 2 or words[0] not in gz.PERSON_TITLES:
        return False
    # "King's College London", "Queen's University": a title owning the name is part of it;
    # so is a titled name owning it ("Dr Reddy's Laboratories", "Mr Howard's Government")
    owned = words[1] == "'s" or (words[0] in gz.SHORT_TITLES and "'s" in words[2:3])
    return words[-1] in gz.ORG_SUFFIXES or words[0] in _ORGANISATION_TITLES or owned


# Title words that begin organisation names more often than they title a name the model
# calls an organisation ("General Motors", "General Electric", "General Assembly").
_ORGANISATION_TITLES = frozenset({"general"})


def _from_ent(parsed: ParsedField, ent: Span) -> RawMention | None:
    doc = parsed.doc
    start, end, titles = _trim(ent)
    end = _hyphen_end(doc, end, ent.label_)
    if ent.label_ == "PERSON" and end < len(doc) and _regnal(doc[end]):
        end += 1  # "John Paul" + "II"
    if ent.label_ == "PERSON":
        end = surnames.surname_after(doc, start, end)
    start, end = _headline_cut(doc, start, end)
    if end <= start:
        return None
    if ent.label_ == "PERSON" and _office_alone(doc, start, end, titles):
        return None  # "The Treasurer says", "the Queen", "the Member for Fremantle"
    label = ent.label_
    if label == "NORP" and (named := _association_end(doc, end)) > end:
        end, label = named, "ORG"  # "Americans for Tax Reform": not the Americans
    given = _extend_given_names(doc, start, end)
    if given < start and (ent.label_ == "PERSON" or _titles_before(doc, given)):
        start = given
    if doc[start].lower_ in _LEADING_DROP or doc[end - 1].lower_ in _TRAILING_DROP:
        return None
    span = doc[start:end]
    if _is_title_part(span) or not any(c.isalpha() for c in span.text):
        return None  # a title's office word, or no name at all ("0-2" tagged PERSON)
    compound = any(t.tag_ == "HYPH" for t in doc[ent.start : span.start])
    if compound and all(_title_word(t, ent.label_) for t in span):
        return None  # a compound title alone: "the Governor-General" names an office
    titles |= _titles_before(doc, start)
    mention = _make(parsed, start, end, titles)
    mention.votes[label] += _ner_weight(span)
    _rule_votes(span, mention)
    return mention


_ASSOCIATION_JOINS = frozenset({"and", "of", "the"})


def _association_end(doc: Doc, end: int) -> int:
    """The end of an association named by a people and what it is for, when NER tagged only
    the people ("Americans for Responsible Solutions", "Veterans for Peace"): "for" and the
    capitalised words after it (joined by "and", "of", "the"); ``end`` when none follow, and
    in a Title-Case headline, whose verbs are capitalised too ("Americans for Free Trade Slam
    Tariff Plan")."""
    if end + 1 >= len(doc) or doc[end].lower_ != "for" or in_title_run(doc[end + 1]):
        return end
    run = _name_run_end(doc, end + 1)
    # a title starts a person's name ("support among Republicans for President Trump")
    run = next((i for i in range(end + 1, run) if doc[i].lower_ in gz.PERSON_TITLES), run)
    if run == end + 1:
        return end
    while (
        run + 1 < len(doc)
        and doc[run].lower_ in _ASSOCIATION_JOINS
        and _left_out_name_word(doc[run + 1])
    ):
        run = _name_run_end(doc, run + 1)
    if run < len(doc) and doc[run].pos_ == "NOUN" and doc[run].is_lower:
        return end  # capitals that qualify a noun: "Muslims for Ramadan prayers"
    return run


# Words a Title-Case headline leaves in lower case ("House Votes to Sue Obama for ...").
_HEADLINE_MINOR = frozenset(
    {"to", "for", "of", "a", "an", "the", "and", "or", "in", "on", "at", "over", "with", "as",
     "by", "from", "but", "vs", "vs.", "nor", "up", "off"}
)  # fmt: skip
_RUN_REACH = 12  # tokens looked at on each side: a headline run is short, and this keeps
# the test linear on a text of nothing but capitalised words
_RUN_BREAKS = frozenset({",", ";", ".", "!", "?"})
_RUN_WORDS = 4  # capitalised words that make a run of text a Title-Case headline


def _headline_cut(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Bounds of a name without the headline words NER took into it.

    In a Title-Case headline the verb is capitalised like the names around it, so the small
    model reads "Trump Continues", "Trump Pushes Back" or "Votes" as names. An inflected
    headline verb ("Continues", "Attacked", "Hammering") inside such a run ends the name, a
    lone capitalised word after "A" there is no name ("A 'Killer'"), and a photo agency's
    credit running into a name ("Getty Trump") is left out.
    """
    credit = end - start > 1 and doc[start].lower_ in gz.PHOTO_CREDITS
    if credit and doc[start + 1].lower_ not in {"images", "photo", "photos"}:
        start += 1
    while start < end and headline_verb(doc[start]):
        start += 1
    for k in range(start, end):
        if headline_verb(doc[k]):
            end = k
            while end > start and doc[end - 1].lower_ in _HEADLINE_MINOR:
                end -= 1  # "Closer To Becoming Law": no "To" left dangling
            return start, end
    lone = doc[start] if end - start == 1 else None
    if lone is not None and _common_after_indefinite(lone):
        return start, start  # "Calls Vladimir Putin A 'Killer'": a common noun, capitalised
    return start, end


def _common_after_indefinite(tok: Token) -> bool:
    """A lone capitalised word after "A" in a headline is a common noun ("A 'Killer'"), unless
    the model calls it a nationality, a group or a place ("Taps A Republican From Texas")."""
    return (
        tok.ent_type_ not in {"NORP", "GPE", "LOC"}
        and _after_indefinite(tok.doc, tok.i)
        and in_title_run(tok)
    )


def _after_indefinite(doc: Doc, i: int) -> bool:
    """Is the word at ``i`` right after "a"/"an", quotes between them allowed?"""
    j = i - 1
    while j >= 0 and doc[j].is_quote:
        j -= 1
    return j >= 0 and doc[j].lower_ in {"a", "an"}


def headline_verb(tok: Token) -> bool:
    """An inflected headline verb ("Votes", "Pushes", "Attacked", "Hammering"), or one after
    "to" ("to Sue"), written in Title Case inside a run of capitalised words: a headline's
    verb, not a name."""
    if not (tok.is_title and tok.is_alpha):
        return False
    after_to = tok.i > 0 and tok.doc[tok.i - 1].lower_ == "to"  # "House Votes to Sue Obama"
    if not (_inflected_verb(tok.lower_) or (after_to and tok.lower_ in gz.HEADLINE_VERBS)):
        return False
    return in_title_run(tok)


def _inflected_verb(word: str) -> bool:
    stems: list[str] = []
    if word.endswith("ies"):
        stems.append(word[:-3] + "y")
    if word.endswith("es"):
        stems.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        stems.append(word[:-1])
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            stems += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                stems.append(stem[:-1])  # "slammed", "hitting"
            if suffix == "ed" and stem.endswith("i"):
                stems.append(stem[:-1] + "y")  # "denied"
    return any(s in gz.HEADLINE_VERBS for s in stems)


def in_title_run(tok: Token) -> bool:
    """Is ``tok`` inside a headline: a run of at least ``_RUN_WORDS`` capitalised words
    (counting the small words headlines leave in lower case, and punctuation other than a
    comma or a full stop) that opens its line? A run inside a sentence is a name of several
    words ("at the Turning Point USA Student Action Summit"), not a headline."""
    doc = tok.doc
    if tok.i in _title_lines(doc):
        return True
    count = 1
    opens_line = True  # unless the walk back stops at a clause: a lower-case word, a comma
    for step in (-1, 1):
        i = tok.i + step
        while 0 <= i < len(doc) and abs(i - tok.i) <= _RUN_REACH:
            t = doc[i]
            if "\n" in t.text or (step == -1 and "\n" in t.whitespace_):
                break
            if t.text in _RUN_BREAKS:
                # "Jim Clark, a Republican from Texas": a clause, not a headline; nor is a
                # run a comma ends before lower-case words ("At the Turning Point Summit in
                # Tampa, thousands gathered").
                opens_line = opens_line and step == 1 and not _prose_after(doc, i)
                break
            if t.text[0].isupper():  # "McConnell", "O'Reilly": no str.istitle()
                count += 1
            elif not (t.lower_ in _HEADLINE_MINOR or t.is_punct or t.like_num):
                opens_line = opens_line and step == 1
                break
            if step == 1 and "\n" in t.whitespace_:
                break
            i += step
    return count >= _RUN_WORDS and opens_line


def _prose_after(doc: Doc, i: int) -> bool:
    """Does a comma at ``i`` go on with a lower-case word of a sentence?"""
    if doc[i].text != "," or i + 1 >= len(doc):
        return False
    nxt = doc[i + 1]
    return nxt.is_alpha and nxt.is_lower and nxt.lower_ not in _HEADLINE_MINOR


_TITLE_LINES = "newsflow_title_lines"


def _title_lines(doc: Doc) -> frozenset[int]:
    """Tokens of the doc's Title-Case lines (a title field, a headline on a line of its own):
    lines of at least ``_RUN_WORDS`` words where every word but the small ones is
    capitalised. Read once per doc (cached in ``doc.user_data``)."""
    found: frozenset[int] | None = doc.user_data.get(_TITLE_LINES)
    if found is None:
        lines: list[list[Token]] = [[]]
        for tok in doc:
            if "\n" in tok.text:
                lines.append([])
                continue
            lines[-1].append(tok)
            if "\n" in tok.whitespace_:
                lines.append([])
        tokens: set[int] = set()
        for line in lines:
            words = [t for t in line if t.is_alpha and t.lower_ not in _HEADLINE_MINOR]
            if len(words) >= _RUN_WORDS and all(t.text[0].isupper() for t in words):
                tokens.update(t.i for t in line)
        found = doc.user_data[_TITLE_LINES] = frozenset(tokens)
    return found


def _extend_given_names(doc: Doc, start: int, end: int) -> int:
    """Take in given names NER left out: "Mayor Ana Costa" tagged as just "Costa"."""
    while start > 0:
        tok = doc[start - 1]
        if not (tok.pos_ == "PROPN" and tok.is_title and tok.dep_ == "compound"):
            break
        if _title_word(tok, "PERSON") or tok.lower_ in gz.PORTFOLIOS or tok.ent_type_:
            break
        if tok.lower_ in _PARTY_WORDS:
            break  # "Socialist Juan Carlos Olmedo": the party is no given name
        if not start <= tok.head.i < end:
            break
        start -= 1
    return start


_PARTY_WORDS = frozenset(
    {"socialist", "conservative", "liberal", "democrat", "republican", "labour", "green",
     "communist", "centrist", "independent", "tory", "progressive"}
)  # fmt: skip


def _make(parsed: ParsedField, start: int, end: int, titles: set[str]) -> RawMention:
    doc = parsed.doc
    a, b = doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)
    return RawMention(parsed.field, a, b, parsed.text[a:b], start, end, titles=titles)


def _ner_weight(span: Span) -> float:
    """The model's label counts more for full names and less for modifiers ("Trump aides")."""
    root = span.root
    if root.dep_ == "compound" and root.head.pos_ == "NOUN":
        return MODIFIER_WEIGHT
    return 1.0 + 0.5 * (len(span) - 1)


def _is_title_part(span: Span) -> bool:
    """ "State" in "Secretary of State Marco Rubio" is part of a title, not an entity."""
    doc = span.doc
    if span.start < 2 or len(span) > 3 or gz.place_label(name_key(span.text)) is not None:
        return False
    before = doc[span.start - 1]
    if before.lower_ == "the" and span.start >= 3:
        before = doc[span.start - 2]
    return before.lower_ == "of" and doc[before.i - 1].lower_ in {"secretary", "minister"}


def _titles_before(doc: Doc, start: int) -> set[str]:
    """Title words in the run of capitalised/title tokens just before a name."""
    titles: set[str] = set()
    i = start - 1
    if i >= 0 and doc[i].lower_ == "of":
        return titles  # "the president of France": France is not the president
    while i >= 0 and start - i <= 5:
        tok = doc[i]
        if tok.lower_ in gz.PERSON_TITLES:
            titles.add(tok.lower_)
        elif headline_verb(tok):
            break  # "President Trump Attacked Hillary Clinton": the title is Trump's
        elif not (tok.is_title or tok.is_upper or tok.lower_ in {"of", "the"}):
            break
        i -= 1
    return titles


def _rule_votes(span: Span, mention: RawMention) -> None:
    """General-knowledge and pattern evidence for the label."""
    place = gz.place_label(name_key(span.text))
    if place is not None:
        mention.votes[place] += GAZETTEER_VOTE
    if len(span) == 1 and span[0].pos_ == "ADJ" and span[0].is_title:
        mention.votes["NORP"] += PATTERN_VOTE  # "British", "Ukrainian": nationality adjectives
    # a titled name's possession is no person: "Dr Reddy's Laboratories", "Mr Howard's
    # Government" (the title is its owner's)
    owned = any(t.lower_ == "'s" for t in span[:-1])
    if (mention.titles or _described_as_person(span, mention)) and place is None and not owned:
        mention.votes["PERSON"] += TITLE_VOTE
    elif place is None and _in_apposition(span, gz.ORG_DESCRIPTIONS):
        mention.votes["ORG"] += PATTERN_VOTE  # "Huarong Thermal, the heat pump company"
    words = [t.lower_ for t in span]
    if len(words) > 1 and (words[-1] in gz.ORG_SUFFIXES or _body_of(words)):
        mention.votes["ORG"] += PATTERN_VOTE
    head = span.root.head
    if span.root.dep_ == "compound" and head.lower_ in gz.PRODUCT_HEADS:
        mention.votes["PRODUCT"] += PATTERN_VOTE
    if place is None and not mention.titles and placed_town(span, mention.votes["PERSON"] > 0):
        mention.votes["GPE"] += PATTERN_VOTE


# Prepositions that put what follows in a place: "fires near Cessnock". Not "to" or "from"
# on their own ("spoke to Warren", "a letter from Carson"), "at" but after an event or a
# site ("swung at Rubio", "a strike at Nokia"), "into" ("an investigation into Conyers") or
# "between" ("talks between Zinni and Sharon").
_AT_PLACE = frozenset({"in", "near", "outside", "across", "around", "via", "throughout"})
# What happens or stands "at" a place: "a blaze at Cessnock", "a rally at Goshen".
_AT_EVENTS = frozenset(
    {"blaze", "fire", "fires", "bushfire", "flood", "floods", "crash", "shooting", "attack",
     "bombing", "explosion", "rally", "conference", "summit", "ceremony", "funeral",
     "festival", "airport", "station", "base", "camp", "hospital", "port", "harbour"}
)  # fmt: skip
# What "of" places a town by: "west of Alice Springs", "the suburb of Hornsby".
_PLACE_OF = frozenset(
    {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
     "suburb", "suburbs", "town", "city", "outskirts", "centre", "center"}
)  # fmt: skip
# Verbs and nouns of travel and transport: "towed to St Helens", "gas piped to Darwin", "a
# flight from Launceston". Not "come", "go", "move", "return" or "transfer", which take a
# company or a club as often ("moved to Hitachi", "his transfer to Burnley").
_ROUTE_HEADS = frozenset(
    {"fly", "travel", "head", "sail", "tow", "bring", "arrive", "land", "drive", "evacuate",
     "flee", "deport", "pipe", "ship", "flight", "flights", "road", "highway", "pipeline",
     "route", "trip", "journey", "service", "race", "rail", "railway", "train", "bus",
     "ferry"}
)  # fmt: skip


def placed_town(span: Span, named_person: bool) -> bool:
    """Is the name a smaller city of GeoNames (:func:`gazetteer.is_town`) that the sentence
    puts as a place? The small model takes many such towns for people ("Darwin",
    "Launceston") or organisations ("Cessnock"), and many towns share a person's or a
    company's name ("Obama", "Rubio", "Nokia"), so what places it must be plain:

    * the other end of a route from a known place ("the Sydney to Hobart"), or "west of",
      "suburb of" it;
    * coordinated with a known place: "Perth and Darwin" for a name NER did not take for a
      person (``named_person``), and for one it did only on a route ("flights between
      Launceston and Melbourne"; "talks between Clinton and Moscow" are a person's);
    * for a name NER did not take for a person, also the object of "in" or "near", of "at"
      after an event or a site ("a blaze at Cessnock"), and of "to" or "from" after a word
      of travel ("gas piped to Darwin").

    Never a one-word English given name ("Elizabeth", "Lincoln"), a name in capitals ("UN")
    or one after an article ("the Commonwealth", "the Alliance")."""
    root = span.root
    if not 1 <= len(span) <= 3 or not all(t.is_title for t in span):
        return False
    if any(c.dep_ == "det" for c in root.children) or (
        len(span) == 1 and span[0].lower_ in given_names()
    ):
        return False
    if not gz.is_town(name_key(span.text)):
        return False
    node = root
    while node.dep_ == "conj":
        node = node.head
    prep = node.head if node.dep_ == "pobj" else None
    conjuncts = [root.head] if root.dep_ == "conj" else []
    conjuncts += [c for c in root.children if c.dep_ == "conj"]
    on_route = prep is not None and _route(prep.head)
    if any(_known_place(t) for t in conjuncts) and (not named_person or on_route):
        return True  # "Perth and Darwin", "flights between Launceston and Melbourne"
    if prep is None:
        return False
    word = prep.lower_
    if word == "of":
        return prep.head.lower_ in _PLACE_OF
    if word in {"to", "from"}:
        # "Sydney to Hobart" however the parser hangs the "to"
        if _known_place(prep.head) or (prep.i > 0 and _known_place(prep.doc[prep.i - 1])):
            return True
        return not named_person and _route(prep.head)
    if named_person:
        return False
    if word == "at":
        return prep.head.lower_ in _AT_EVENTS or _route(prep.head)
    return word in _AT_PLACE


def _route(tok: Token) -> bool:
    return tok.lemma_.lower() in _ROUTE_HEADS


def _known_place(tok: Token) -> bool:
    return tok.pos_ == "PROPN" and gz.place_label(name_key(tok.text)) == "GPE"


def _body_of(words: list[str]) -> bool:
    """Does the name hold a body of something: "Ministry of Defence", "Monash *Institute of*
    Reproduction and Development", "Baptist *Union of* Australia", "Australian *Council
    for* Educational Research"? The small model reads some such long names as a person's."""
    if words[0] in gz.ORG_PREFIXES and words[1] == "of":
        return True
    return any(
        w in gz.ORG_SUFFIXES and after in {"of", "for"}
        for w, after in itertools.pairwise(words[1:])
    )


def _described_as_person(span: Span, mention: RawMention) -> bool:
    """Does the sentence say the name is a person's: in apposition with a person's role
    ("Labour's shadow energy secretary, Imran Siddiqui,", "Saffron Jones, its chief
    executive,") or followed by "who" ("Charles de Villiers, who leads the group")? The small
    model reads such unfamiliar names as organisations."""
    if mention.votes["NORP"] > 0 or span[-1].lower_ in gz.ORG_SUFFIXES:
        return False
    if any(t.tag_ == "NNPS" for t in span):
        return False  # "Republicans, who control the House"
    if _in_apposition(span, gz.PERSON_ROLES):
        return True  # "Sestak, a retired Navy admiral"
    root = span.root
    # "who" only after a full name: teams and parties are "who" too ("Arsenal, who lost")
    return len(span) > 1 and any(
        child.dep_ == "relcl"
        and any(g.lower_ == "who" and g.dep_ in {"nsubj", "nsubjpass"} for g in child.children)
        for child in root.children
    )


def _in_apposition(span: Span, nouns: frozenset[str]) -> bool:
    """Is the name in apposition with one of ``nouns``, on either side ("Saffron Jones, its
    chief executive", "the company's chief executive, Saffron Jones")?"""
    root = span.root
    if root.dep_ == "appos" and root.head.lemma_.lower() in nouns:
        return True
    return any(c.dep_ == "appos" and c.lemma_.lower() in nouns for c in root.children)


def _dateline_mentions(parsed: ParsedField, mentions: list[RawMention]) -> list[RawMention]:
    """Add the dateline's places (GPE) and agency (ORG): the masked text hid them from NER."""
    line = parsed.dateline
    if line is None:
        return mentions
    extra: list[RawMention] = []
    spans = [(span, "GPE") for span in line.places]
    if line.agency is not None:
        spans.append((line.agency, "ORG"))
    for (a, b), label in spans:
        toks = parsed.doc.char_span(a, b, alignment_mode="expand")
        if toks is None:
            continue
        m = RawMention(parsed.field, a, b, parsed.text[a:b], toks.start, toks.end)
        m.votes[label] += PATTERN_VOTE
        extra.append(m)
    return extra + [m for m in mentions if m.start >= line.end]


def _city_country_vote(doc: Doc, mention: RawMention) -> None:
    """ "Springfield, Illinois": a name followed by ", <country or state>" is a place."""
    if mention.tok_end + 1 >= len(doc) or doc[mention.tok_end].text != ",":
        return
    nxt: Token = doc[mention.tok_end + 1]
    key = name_key(nxt.text)
    if gz.is_country_or_state(key) and not mention.titles:
        mention.votes["GPE"] += PATTERN_VOTE


_MAX_GAZETTEER_WORDS = 4


def _unlabelled_names(parsed: ParsedField, found: list[RawMention]) -> list[RawMention]:
    """Names NER missed: gazetteer names in title case, and acronyms ("the FNSEA union")."""
    doc = parsed.doc
    taken = _taken(found)
    if parsed.dateline is not None:
        taken |= {t.i for t in doc if t.idx < parsed.dateline.end}
    surnames = _surnames(found)
    extra: list[RawMention] = []
    i = 0
    while i < len(doc):
        size, label = _gazetteer_at(doc, i, taken)
        if size == 0:
            size, label = _regnal_name_at(doc, i, taken), "PERSON"
        if size == 0 and _is_acronym(doc[i]) and i not in taken:
            size, label = 1, "ORG"
        if size == 0:
            i += 1
            continue
        mention = _make(parsed, i, i + size, _titles_before(doc, i))
        if size == 1 and label != "ORG" and doc[i].lower_ in surnames:
            # "Samuel Mwanza ... Mwanza said": the surname of a person the text names, not
            # the Tanzanian city it also is (NER left the lone word untagged)
            label = "PERSON"
        mention.votes[label] += GAZETTEER_VOTE if label != "ORG" or size > 1 else PATTERN_VOTE
        extra.append(mention)
        i += size
    return extra


def _speaker_names(parsed: ParsedField, found: list[RawMention]) -> list[RawMention]:
    """Surnames NER missed where news names its actors: a title-case proper noun that is the
    subject of a speech or stance verb ("Pelosi savaged it", "Schlapp said"), or a singular
    one (NNP) subject of any verb when the field names a person with that surname ("Dmitry
    Medvedev … Medvedev made it clear"), a census surname and no English word as a verb's
    subject or object or an owner ("Gorsuch now counts", "Pelosi's comments",
    :func:`surnames.unfamiliar_surname`), or a census surname after a
    person's title ("Acting Attorney General Yates"). A speaker's name takes in the
    capitalised proper nouns before it ("Glenda Hart"), titles left out; a surname found by
    the census list only the given names before it ("Fred Warmbier", not "Ejecting
    Cordray"). Voted PERSON."""
    doc = parsed.doc
    taken = _taken(found)
    known = _surnames(found)  # "Medvedev" after "Dmitry Medvedev"
    extra: list[RawMention] = []
    for tok in doc:
        speaker = _speaker_name(tok, known)
        if not (speaker or _census_name(tok) or _titled_surname(tok)) or tok.i in taken:
            continue
        if headline_verb(tok):
            continue
        if _common_after_indefinite(tok):
            continue  # "A 'Killer'" in a headline
        start = tok.i
        while start > 0 and _compound_of(doc[start - 1], tok):
            before = doc[start - 1]
            if before.i in taken or not _name_word(before) or headline_verb(before):
                break
            if not speaker and before.lower_ not in surnames.census_given_names():
                break  # the parser also makes "Ejecting" of "Ejecting Cordray" a proper noun
            start -= 1
        mention = _make(parsed, start, tok.i + 1, _titles_before(doc, start))
        mention.votes["PERSON"] += PATTERN_VOTE
        extra.append(mention)
    return extra


def _colon_speaker_mentions(parsed: ParsedField, found: list[RawMention]) -> list[RawMention]:
    """``found`` with the people named before a colon at a line's start
    (:mod:`pipeline.enrich.colon_speakers`) voted PERSON: a mention NER made of exactly that
    name gets the vote ("KARL" read as an organisation), mentions of a part of it give way
    to the whole name ("TODD" of "CHUCK TODD"), and a name no mention touches is made one. A
    name inside a longer mention keeps that mention as NER made it."""
    doc = parsed.doc
    labelled = {(m.tok_start, m.tok_end): _leaning(m) for m in found}
    for start, end in colon_speakers.speakers(doc, labelled):
        touching = [m for m in found if m.tok_start < end and start < m.tok_end]
        if any(m.tok_start < start or m.tok_end > end for m in touching):
            continue
        exact = next((m for m in touching if (m.tok_start, m.tok_end) == (start, end)), None)
        if exact is None:
            gone = {id(m) for m in touching}
            found = [m for m in found if id(m) not in gone]
            exact = _make(parsed, start, end, _titles_before(doc, start))
            found.append(exact)
        exact.votes["PERSON"] += PATTERN_VOTE
    return found


def _taken(mentions: list[RawMention]) -> set[int]:
    """The token positions the mentions cover."""
    return {i for m in mentions for i in range(m.tok_start, m.tok_end)}


def _leaning(m: RawMention) -> str:
    """The label a mention's votes so far lean to ("" for none)."""
    return max(m.votes, key=m.votes.__getitem__) if m.votes else ""


def _surname_mentions(parsed: ParsedField, found: list[RawMention]) -> list[RawMention]:
    """People named in full and then by surname (:mod:`pipeline.enrich.surnames`): the full
    name voted PERSON, and each surname NER left untagged made a mention voted PERSON."""
    extra: list[RawMention] = []
    for i in surnames.vote_and_find(parsed.doc, found, PATTERN_VOTE):
        mention = _make(parsed, i, i + 1, _titles_before(parsed.doc, i))
        mention.votes["PERSON"] += PATTERN_VOTE
        extra.append(mention)
    return extra


_GENDERED = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})


def _person_by_pronoun(parsed: ParsedField, mentions: list[RawMention]) -> list[RawMention]:
    """A lone surname, the subject of a clause, followed in its sentence by "he" or "she" and
    no other person or possible person, is a person: "Trump hasn't said what he wants", "…
    that Pierson offered her resignation". A mention NER labelled otherwise gets the vote
    (the small model reads lone surnames as organisations or places: "Trump" ORG in 46 % of
    454 NewsMTSC sentences that name him alone); a word NER left out, with no capitalised
    name beside it, is made a mention ("Kelly brought more structure …, as he had
    promised", where capitals at a sentence's start say nothing). A company or a place is
    "it". Only census surnames, never a place the gazetteer knows nor a name after "the".
    Returns the new mentions."""
    doc = parsed.doc
    census = surnames.census_surnames()
    # where "he" may mean someone else: a person, or another lone surname of any label
    # ("Trump told Christie that he …", both read as organisations) but an owner ("Palin
    # seems eager to win a spot in Trump's cabinet … She")
    person_at = {
        i
        for m in mentions
        if m.votes.get("PERSON", 0) > 0
        or (m.tok_end - m.tok_start == 1 and _maybe_person(doc[m.tok_start], m, census))
        for i in range(m.tok_start, m.tok_end)
    }
    for m in mentions:
        if m.tok_end - m.tok_start != 1 or m.votes.get("PERSON", 0) > 0:
            continue
        if _pronoun_follows(doc[m.tok_start], census, person_at):
            m.votes["PERSON"] += PATTERN_VOTE
    taken = _taken(mentions)
    extra: list[RawMention] = []
    for tok in doc:
        if tok.i in taken or tok.tag_ != "NNP" or not _name_word(tok) or not _alone(tok):
            continue  # a word NER left out must at least look like a name ("his State of …")
        if not _pronoun_follows(tok, census, person_at):
            continue
        mention = _make(parsed, tok.i, tok.i + 1, _titles_before(doc, tok.i))
        mention.votes["PERSON"] += PATTERN_VOTE
        extra.append(mention)
    return extra


def _pronoun_follows(tok: Token, census: frozenset[str], person_at: set[int]) -> bool:
    """Is ``tok`` a title-case census surname, the subject of a clause, that "he" or "she"
    later in its sentence can only mean?"""
    if tok.dep_ not in {"nsubj", "nsubjpass"} or not (tok.is_title and tok.is_alpha):
        return False  # the tagger may call it a common noun ("Trump" NN): any title-case word
    if tok.lower_ not in census or _no_name(tok):
        return False
    if gz.place_label(name_key(tok.text)) is not None or any(c.dep_ == "det" for c in tok.children):
        return False  # "the Court has …", "the Church … he": no person's name takes "the"
    for later in tok.doc[tok.i + 1 : tok.sent.end]:
        if later.i in person_at:
            return False  # "Trump told Turnbull that he …": he may be the other one
        if later.lower_ in _GENDERED and later.pos_ == "PRON":
            return True
    return False


def _alone(tok: Token) -> bool:
    """A word with no capitalised proper noun beside it: not part of a longer name."""
    doc = tok.doc
    beside = [doc[i] for i in (tok.i - 1, tok.i + 1) if 0 <= i < len(doc)]
    return not any(b.pos_ == "PROPN" and (b.is_title or b.is_upper) for b in beside)


def _maybe_person(tok: Token, m: RawMention, census: frozenset[str]) -> bool:
    """A lone census surname read as no place or nationality, and no owner: who "he" may
    mean besides the subject before it."""
    if tok.lower_ not in census or tok.dep_ == "poss" or not tok.is_title:
        return False
    return _leaning(m) not in {"GPE", "NORP", "LOC"} and gz.place_label(name_key(tok.text)) is None


def _surnames(found: list[RawMention]) -> set[str]:
    """Last words of the full names of people the field already names."""
    return {m.tokens[-1].lower() for m in found if m.votes["PERSON"] > 0 and len(m.tokens) > 1}


# A verb's subject or object: where a lone census surname is read as a person.
_NAME_ROLES = frozenset({"nsubj", "nsubjpass", "dobj"})


def _verb_subject(tok: Token) -> bool:
    """A name word that is the subject of a verb."""
    return tok.dep_ == "nsubj" and tok.head.pos_ in {"VERB", "AUX"} and _name_word(tok)


def _speaker_name(tok: Token, known: set[str]) -> bool:
    if not _verb_subject(tok):
        return False
    lemma = tok.head.lemma_.lower()
    if lemma in SPEECH_VERBS or lemma in STANCE_VERBS:
        return True
    # The subject of any other verb is a person only when the text names one with that
    # surname: "Twitter banned", "Christmas brought", "Bitcoin fell" are no people, and a
    # plural proper noun is mostly a group or a headline word ("Protesters Continue").
    return tok.tag_ == "NNP" and tok.lower_ in known


def _compound_of(before: Token, tok: Token) -> bool:
    return before.dep_ == "compound" and before.head.i == tok.i


def _census_name(tok: Token) -> bool:
    """A singular proper noun that is a census surname and no English word, where a
    person's name stands: the subject or object of a verb or an owner ("Gorsuch now
    counts", "Mateen was born", "hailed Gorsuch as", "Pelosi's comments"; not "Walker stood
    up")."""
    if tok.tag_ != "NNP":
        return False
    if tok.dep_ == "poss":
        placed = tok.head.pos_ == "NOUN"
    else:
        placed = tok.dep_ in _NAME_ROLES and tok.head.pos_ in {"VERB", "AUX"}
    # the cheap tests of the word's place first: this runs for every proper noun
    return (
        placed and _name_word(tok) and not _quoted_alone(tok) and surnames.unfamiliar_surname(tok)
    )


def _quoted_alone(tok: Token) -> bool:
    """A word quoted by itself (Lautenberg shouted “Aye!”): a word cited, not a name."""
    doc = tok.doc
    if tok.i == 0 or not doc[tok.i - 1].is_quote:
        return False
    after = doc[tok.i + 1 : tok.i + 3]
    return bool(after) and (after[0].is_quote or (after[0].is_punct and after[-1].is_quote))


def _titled_surname(tok: Token) -> bool:
    """A census surname that is no English word right after a person's title, ending the
    name ("Acting Attorney General Yates", "Director Wray"): the title says a person, the
    list a name; a word after a title is mostly a place's or a firm's ("Prince Street",
    "General Mills", "Queen Mary")."""
    i = tok.i
    if i == 0 or tok.tag_ not in {"NNP", "NNPS"} or not _name_word(tok):
        return False
    title = tok.doc[i - 1]
    if not title.is_title or title.lower_ not in gz.PERSON_TITLES:
        return False
    after = tok.doc[i + 1] if i + 1 < len(tok.doc) else None
    if after is not None and after.pos_ == "PROPN" and after.is_title:
        return False  # a longer name goes on: not this rule's
    return surnames.unfamiliar_surname(tok)


def _name_word(tok: Token) -> bool:
    """A capitalised proper noun that is no title, role, month, weekday or place."""
    return (
        surnames.name_shaped(tok)
        and not _no_name(tok)
        and gz.place_label(name_key(tok.text)) is None
    )


def _gazetteer_at(doc: Doc, i: int, taken: set[int]) -> tuple[int, str]:
    first = doc[i]
    # Every candidate span starts here: most tokens fail these tests, so try no spans for them.
    if first.pos_ != "PROPN" or i in taken:
        return 0, ""
    if not (first.is_title or first.is_upper or first.lower_ in {"of", "the"}):
        return 0, ""
    for size in range(_MAX_GAZETTEER_WORDS, 0, -1):
        span = doc[i : i + size]
        if len(span) < size or any(t.i in taken for t in span):
            continue
        if not all(t.is_title or t.is_upper or t.lower_ in {"of", "the"} for t in span):
            continue
        if span[0].pos_ != "PROPN":
            continue
        label = gz.place_label(name_key(span.text))
        if label is not None:
            return size, label
    return 0, ""


def _office_alone(doc: Doc, start: int, end: int, titles: set[str]) -> bool:
    """Is the span only a title after "the" ("the Treasurer", "the new Treasurer", "the
    63-year-old Sheikh")? Not a surname that is also a title: "King had accused him", "Ms
    Bishop said" (a title was cut from before it)."""
    if titles or not all(_no_name(t) for t in doc[start:end]):
        return False
    article = _article_of(doc, start, end)
    return article is not None and doc[article].lower_ in _LEADING_DROP


# Words that may stand between an article and the title it introduces: "the *new*
# Treasurer", "the *63-year-old* Sheikh" (a number, hyphens and a noun inside the adjective).
_TITLE_MODIFIERS = frozenset({"ADJ", "NUM", "PUNCT", "NOUN", "VERB", "ADV"})


def _article_of(doc: Doc, start: int, end: int) -> int | None:
    """Index of the determiner of the span ``start:end``, over at most six modifiers before
    it that all hang on the span or on each other (never a possessive: "the country's
    President" is the country's, its "the" is not the title's)."""
    i = start - 1
    while i >= max(0, start - 7):
        tok = doc[i]
        if tok.dep_ == "det":
            return i if start <= tok.head.i < end else None
        if tok.pos_ not in _TITLE_MODIFIERS or not i < tok.head.i < end:
            return None
        i -= 1
    return None


def _no_name(tok: Token) -> bool:
    """A title, or a word NER takes for a person's name in a title of office or honour ("the
    Member for Fremantle", "Person of the Year")."""
    return tok.lower_ in gz.PERSON_TITLES or tok.lower_ in {"member", "person"}


def _regnal(tok: Token) -> bool:
    return tok.pos_ == "PROPN" and _REGNAL.fullmatch(tok.text) is not None


def _regnal_name_at(doc: Doc, i: int, taken: set[int]) -> int:
    """Words of a monarch's or pope's name NER missed, starting at ``i``: capitalised names
    after a monarch's title and up to a regnal number ("Britain's Queen *Elizabeth II*"). Not
    a numbered event or thing ("World War II", "Super Bowl XL"): no monarch's title before."""
    if i == 0 or doc[i - 1].lower_ not in _MONARCHS:
        return 0
    end = i
    while end < len(doc) and end - i < 4 and end not in taken and _name_word(doc[end]):
        end += 1
    if end == i or end >= len(doc) or end in taken or not _regnal(doc[end]):
        return 0
    return end + 1 - i


def _is_acronym(tok: Token) -> bool:
    text = tok.text.replace(".", "")
    if not (2 <= len(text) <= 6 and text.isupper() and text.isalpha()):
        return False
    if tok.lower_ in gz.NOT_ACRONYMS or tok.lower_ in gz.PERSON_TITLES or tok.pos_ != "PROPN":
        return False  # "Conservative MP David Davis": a title, not an organisation
    if _regnal(tok) or tok.lower_ in _POST_NOMINALS:
        return False  # "Elizabeth II", "World War II"; "Terrence Cole QC"
    # A headline in capitals is not a string of acronyms.
    neighbours = [t for t in tok.doc[max(0, tok.i - 2) : tok.i + 3] if t.is_alpha and t != tok]
    return not neighbours or not all(t.is_upper for t in neighbours)
