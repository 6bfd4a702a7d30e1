"""Canonical entities: one per real-world referent, with one label, salience and tone.

Mentions are grouped by :func:`~pipeline.enrich.mentions.name_key`; a short person mention
("Trump") joins the longer name whose last words it matches ("Donald Trump"); then every
later bare occurrence of a known name or surname that NER missed is added as a mention.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from nicknames import NickNamer
from spacy.tokens import Doc, Token

from pipeline.enrich import gazetteer as gz
from pipeline.enrich.mentions import RawMention, clean_name, name_key
from pipeline.enrich.nlp import ParsedField
from pipeline.models import Entity, Mention, TextField

_ORDER: dict[TextField, int] = {"title": 0, "body": 1}


@dataclass
class Cluster:
    """Mentions believed to share a referent."""

    mentions: list[RawMention] = field(default_factory=list)
    name: str = ""
    label: str = ""

    @property
    def votes(self) -> defaultdict[str, float]:
        total: defaultdict[str, float] = defaultdict(float)
        for m in self.mentions:
            for label, weight in m.votes.items():
                total[label] += weight
        return total

    @property
    def titles(self) -> set[str]:
        return {t for m in self.mentions for t in m.titles}

    def first(self) -> tuple[int, int]:
        return min((_ORDER[m.field], m.start) for m in self.mentions)


def build(fields: list[ParsedField], mentions: list[RawMention]) -> list[Cluster]:
    """Group mentions, add missed repeats, and decide each group's name and label."""
    clusters = _merge_short_names(_fold_acronyms(fields, _group_by_key(mentions)))
    clusters = _merge_name_variants(clusters)
    for c in clusters:
        c.label = _decide_label(c)
    clusters, plurals = _merge_peoples(clusters)
    _add_missed_repeats(fields, clusters)
    for c in clusters:
        c.mentions.sort(key=lambda m: (_ORDER[m.field], m.start))
        c.name = plurals.get(id(c)) or _canonical_name(c)
    clusters.sort(key=Cluster.first)
    return clusters


def _merge_peoples(clusters: list[Cluster]) -> tuple[list[Cluster], dict[int, str]]:
    """A people's adjective and plural are one group ("Palestinian officials ...
    Palestinians"), named by the plural; returns the clusters left and those names."""
    groups = {name_key(c.mentions[0].text): c for c in clusters if c.label == "NORP"}
    merged: dict[int, Cluster] = {}  # id of an adjective's cluster -> its plural's
    names: dict[int, str] = {}
    for key, plural in groups.items():
        single = groups.get(key[:-1]) if key.endswith("s") else None
        if single is None or single is plural:
            continue
        plural.mentions.extend(single.mentions)
        merged[id(single)] = plural
        names[id(plural)] = clean_name(next(m.text for m in plural.mentions))
    return [c for c in clusters if id(c) not in merged], names


def _group_by_key(mentions: list[RawMention]) -> list[Cluster]:
    groups: dict[str, Cluster] = {}
    for m in mentions:
        groups.setdefault(name_key(m.text), Cluster()).mentions.append(m)
    return list(groups.values())


# Last words of the names of bodies that wire copy gives an acronym in apposition ("The
# European Consumer Organisation, BEUC, said"); a company's is written in brackets.
_BODIES = frozenset(
    {"organisation", "organization", "association", "union", "federation", "confederation"}
    | {"council", "commission", "committee", "agency", "authority", "institute", "foundation"}
    | {"alliance", "coalition", "movement", "front", "party", "league", "bureau", "board"}
)
# Words an acronym may skip: "Federal Bureau of Investigation (FBI)".
_ACRONYM_SKIPS = frozenset({"of", "the", "and", "for", "&", "de", "des", "du", "la", "le", "on"})


def _fold_acronyms(fields: list[ParsedField], clusters: list[Cluster]) -> list[Cluster]:
    """Fold an acronym into the name it abbreviates where the article says so: "the
    Associated Union of Rail Drivers (AURD)", or in apposition, "The European Consumer
    Organisation, BEUC, said". Every later "AURD" is then the union, one entity, under
    its full name; the label is voted over both names' mentions."""
    docs = {parsed.field: parsed.doc for parsed in fields}
    at: dict[tuple[TextField, int], Cluster] = {}
    for c in clusters:
        for m in c.mentions:
            at[(m.field, m.tok_start)] = c
    folded: dict[int, Cluster] = {}  # id of a folded cluster -> the one it joined

    def home(c: Cluster) -> Cluster:
        while id(c) in folded:
            c = folded[id(c)]
        return c

    for c in clusters:
        for m in list(c.mentions):
            short = _acronym_after(docs[m.field], m)
            alias = at.get((m.field, short)) if short is not None else None
            if alias is None or home(alias) is home(c):
                continue
            alias = home(alias)  # its votes count too: "(SKM)" is read as an organisation
            home(c).mentions.extend(alias.mentions)
            folded[id(alias)] = home(c)
    return [c for c in clusters if id(c) not in folded]


def _acronym_after(doc: Doc, m: RawMention) -> int | None:
    """The token of an acronym given for the name ``m`` right after it, if any."""
    words = m.text.split()
    j = m.tok_end
    if len(words) < 2 or j + 2 >= len(doc) or doc[j].text not in {"(", ","}:
        return None
    short, close = doc[j + 1], doc[j + 2]
    letters = short.text.replace(".", "")
    if not (letters.isalpha() and letters.isupper() and 2 <= len(letters) <= 8):
        return None
    if doc[j].text == "(":
        initials = "".join(
            part[0]
            for w in words
            if w.lower() not in _ACRONYM_SKIPS
            for part in w.split("-")
            if part[:1].isalpha()
        )
        return short.i if close.text == ")" and letters == initials.upper() else None
    # ", BEUC," only as an organisation's apposition, never in a list ("Meta Platforms, IBM,
    # Alphabet and Amazon", which the parser may read as an apposition too) nor a place's
    # state or a person's post ("New York, NY,", "Ms Jones, CFO,")
    inside = range(doc[m.tok_start].i, j)
    if close.text != "," or short.dep_ != "appos" or short.head.i not in inside:
        return None
    if len(letters) < 3 or words[-1].lower() not in _BODIES:
        return None  # a company's name is as often the first of a list: "Meta Platforms, IBM,"
    return None if _in_list(doc, short) else short.i


def _in_list(doc: Doc, short: Token) -> bool:
    """Is ``short`` one item of a list of names: a conjunct, or followed by ", Name and"?"""
    if any(c.dep_ == "conj" for c in (*short.children, *short.head.children)):
        return True
    after = doc[short.i + 2 : short.i + 5]
    return any(t.lower_ in {"and", "or"} for t in after) and after[0].pos_ == "PROPN"


def _longest_tokens(c: Cluster) -> list[str]:
    return max((m.text.split() for m in c.mentions), key=len)


# Generational suffixes. A numeral one ends a name the same person goes by without it
# ("Robert S. Mueller III", "Mueller"); "Jr." and "Sr." tell a son from a father named the
# same ("Donald Trump Jr.", "Donald Trump"), so a bare surname never joins them.
_NUMERALS = frozenset({"ii", "iii", "iv"})
_SUFFIXES = _NUMERALS | {"jr", "jr.", "sr", "sr."}
# Surnames that are also pronouns: a sentence's "He" is not Liu He.
_PRONOUNS = frozenset({"he", "she", "it", "we", "they", "i", "you", "him", "her", "us", "them"})


def _name_words(c: Cluster) -> list[str]:
    """The cluster's longest name in lower case, without a numeral suffix."""
    words = [w.lower().rstrip(",") for w in _longest_tokens(c)]
    while len(words) > 1 and words[-1] in _NUMERALS:
        words.pop()
    return words


def _person_parts(c: Cluster) -> tuple[str, str, str, str] | None:
    """(given name, middle names, surname, generational suffix) of a cluster's longest name,
    if it has two words or more besides the suffix."""
    words = [w.lower().rstrip(",") for w in _longest_tokens(c)]
    suffix = words.pop() if len(words) > 2 and words[-1] in _SUFFIXES else ""
    if len(words) < 2:
        return None
    return words[0].rstrip("."), " ".join(words[1:-1]), words[-1], suffix


def _same_person(a: tuple[str, str, str, str], b: tuple[str, str, str, str]) -> bool:
    """Are two full names one person's: the same given name (or one the other's nickname) and
    surname, and no middle names or suffixes that differ? A middle name or a numeral suffix
    on one side only does not tell people apart ("Robert S. Mueller III", "Robert Mueller");
    "Jr." or "Sr." does ("Donald Trump Jr." is the son), and so do two different middle names
    ("George H.W. Bush", "George W. Bush")."""
    (given_a, middle_a, last_a, suf_a), (given_b, middle_b, last_b, suf_b) = a, b
    if middle_a and middle_b and middle_a != middle_b:
        return False
    if suf_a != suf_b and ((suf_a and suf_b) or (suf_a or suf_b) not in _NUMERALS):
        return False
    return last_a == last_b and (given_a == given_b or _nickname(given_a, given_b))


@cache
def _nicknames() -> NickNamer:
    return NickNamer()


def _nickname(a: str, b: str) -> bool:
    """Is one given name the other's nickname ("Pat" and "Patrick", "Josh" and "Joshua"), by
    the ``nicknames`` package's hand-curated table? Only directly: two nicknames of one name
    ("Pat" and "Patsy") are not taken for each other."""
    names = _nicknames()
    return b in names.nicknames_of(a) or a in names.nicknames_of(b)


def _merge_name_variants(clusters: list[Cluster]) -> list[Cluster]:
    """Fold a person's other full names into the fullest: "Donald J. Trump" and "Donald
    Trump", "Robert S. Mueller" and "Robert Mueller" are one man. Names that agree with
    people who are not one ("George Bush" beside "George H.W. Bush" and "George W. Bush")
    stay as they are."""
    by_surname: dict[str, list[tuple[int, tuple[str, str, str, str]]]] = {}
    for i, c in enumerate(clusters):
        parts = _person_parts(c) if _decide_label(c) == "PERSON" else None
        if parts is not None:
            by_surname.setdefault(parts[2], []).append((i, parts))
    home: dict[int, int] = {}
    for group in by_surname.values():
        for i, parts in group:
            same = [(j, other) for j, other in group if _same_person(parts, other)]
            if len(same) < 2 or not all(_same_person(a, b) for _, a in same for _, b in same):
                continue
            # the fullest name, then the first named (``same`` holds ``i`` itself)
            best = min(
                (j for j, _ in same),
                key=lambda j: (-len(_longest_tokens(clusters[j])), clusters[j].first()),
            )
            if best != i:
                home[i] = best
    kept = [c for i, c in enumerate(clusters) if i not in home]
    for i, j in home.items():
        clusters[j].mentions.extend(clusters[i].mentions)
    return kept


class _Names:
    """Names (lists of lower-case words) in a trie, read backwards for endings, so that the
    longer names starting or ending with a given one are found in time proportional to its
    words rather than to the number of names.

    Each name is filed at every node it passes before its last word: a lookup returns the
    indices of the strictly longer names extending the given words, in filing order.
    """

    def __init__(self, names: list[list[str]], backwards: bool) -> None:
        self._backwards = backwards
        self._children: list[dict[str, int]] = [{}]
        self._members: list[list[int]] = [[]]
        for index, words in enumerate(names):
            node = 0
            for depth, word in enumerate(self._order(words), start=1):
                child = self._children[node].get(word)
                if child is None:
                    child = len(self._children)
                    self._children[node][word] = child
                    self._children.append({})
                    self._members.append([])
                node = child
                if depth < len(words):
                    self._members[node].append(index)

    def _order(self, words: list[str]) -> list[str]:
        return words[::-1] if self._backwards else words

    def longer(self, words: list[str]) -> list[int]:
        node = 0
        for word in self._order(words):
            child = self._children[node].get(word)
            if child is None:
                return []
            node = child
        return self._members[node]


def _merge_short_names(clusters: list[Cluster]) -> list[Cluster]:
    """Fold "Zelenskyy" into "Volodymyr Zelenskyy" when the long name is a person's, and
    "Samsung" into "Samsung Electronics" when exactly one organisation's name starts so."""
    by_length = sorted(clusters, key=lambda c: len(_longest_tokens(c)))
    names = [_name_words(c) for c in by_length]
    endings, beginnings = _Names(names, backwards=True), _Names(names, backwards=False)
    labels: dict[int, str] = {}  # decided on demand; forgotten when a name folds in

    def label(i: int) -> str:
        if i not in labels:
            labels[i] = _decide_label(by_length[i])
        return labels[i]

    def first(i: int) -> tuple[int, int]:
        return by_length[i].first()

    kept: list[Cluster] = []
    for i, short in enumerate(by_length):
        home = _person_home(
            names[i], label(i), [c for c in endings.longer(names[i]) if label(c) == "PERSON"], first
        )
        if home is None:
            home = _given_name_home(
                names[i], [c for c in beginnings.longer(names[i]) if label(c) == "PERSON"]
            )
        if home is None:
            home = _organisation_home(
                short,
                label(i),
                [c for c in beginnings.longer(names[i]) if label(c) == "ORG"],
                first,
            )
        if home is None and label(i) == "ORG":
            home = _placed_home(
                names[i], [(c, names[c]) for c in endings.longer(names[i]) if label(c) == "ORG"]
            )
        if home is None:
            kept.append(short)
        else:
            if label(i) != label(home):
                for m in short.mentions:
                    m.votes.clear()  # the fuller name's label decides ("Meridian said")
            by_length[home].mentions.extend(short.mentions)
            labels.pop(home, None)
    return kept


def _person_home(
    words: list[str], label: str, people: list[int], first: Callable[[int], tuple[int, int]]
) -> int | None:
    """The person a short name belongs to, among the people whose names end with it."""
    if not people:
        return None
    if label != "PERSON" and gz.place_label(name_key(" ".join(words))) is not None:
        # "Washington" the city never folds into "George Washington"; a place's name read
        # as a person's here does ("Samuel Mwanza ... Mwanza said", not the city), and so
        # does a surname the small model took for a place that the gazetteer does not know
        # ("Al Franken ... probes Franken" with Franken read as a GPE)
        return None
    # Two people sharing a surname: the short form goes to the one named first.
    return min(people, key=first)


def _given_name_home(words: list[str], people: list[int]) -> int | None:
    """The person a lone given name belongs to: "Jeb blasts Obama" then "Jeb Bush blasted"
    are one man. Only a one-word name that starts exactly one person's fuller name (two
    people called Steve leave "Steve" alone), never a place's name, and whatever label the
    small model gave the lone word ("Ivanka" as a product)."""
    if len(words) != 1 or len(people) != 1:
        return None
    if gz.place_label(name_key(words[0])) is not None:
        return None  # "Jordan" the country never folds into "Jordan Peterson"
    return people[0]


def _organisation_home(
    short: Cluster, label: str, orgs: list[int], first: Callable[[int], tuple[int, int]]
) -> int | None:
    """The organisation a short name belongs to: the one organisation whose name starts with
    it ("Samsung" in "Samsung Electronics"). A one-word name the small model read as a
    person folds too when the organisation was named before it and no title makes it one
    ("Meridian said", after "Meridian Health Partners"); "President Trump" never joins the
    Trump Organization, nor "American" the American Civil Liberties Union."""
    if len(orgs) != 1:
        return None
    if label == "ORG":
        return orgs[0]
    one_word = len(_longest_tokens(short)) == 1
    if one_word and label == "PERSON" and not short.titles and first(orgs[0]) < short.first():
        return orgs[0]
    return None


def _placed_home(words: list[str], orgs: list[tuple[int, list[str]]]) -> int | None:
    """The organisation a name is short for when the longer name only puts a place before
    it: "Justice Department" in "U.S. Justice Department", "Revenue Authority" in "Kenya
    Revenue Authority" — the one such organisation, and never for a one-word name (a
    "Commission" is not the European Commission's by its words alone)."""
    if len(words) < 2:
        return None
    placed = [
        c
        for c, longer in orgs
        if gz.place_label(name_key(" ".join(longer[: len(longer) - len(words)]))) == "GPE"
    ]
    return placed[0] if len(placed) == 1 else None


def _decide_label(c: Cluster) -> str:
    votes = c.votes
    if not votes:
        return "ORG"
    best = max(votes.values())
    # Ties resolve in a fixed order so that the result never depends on dict order.
    for label in ("PERSON", "GPE", "ORG", "NORP", "LOC", "FAC", "PRODUCT"):
        if votes[label] == best:
            return label
    return sorted(label for label, v in votes.items() if v == best)[0]


def _canonical_name(c: Cluster) -> str:
    """The fullest form: most words, then not all capitals, then most frequent, then first."""
    forms = Counter(m.text for m in c.mentions)
    cleaned = {text: clean_name(text) for text in forms}

    def rank(text: str) -> tuple[int, bool, int]:
        return (len(text.split()), not text.isupper(), forms[text])

    best = max(forms, key=rank)  # Counter keeps first-seen order for ties
    return cleaned[best]


def _add_missed_repeats(fields: list[ParsedField], clusters: list[Cluster]) -> None:
    """Add bare repeats NER missed ("Rubio and Waltz said"): names and person surnames.

    At each title-case token the known forms are followed word by word in a trie, so the cost
    per token is the length of the longest matching form, not the number of forms; where
    several forms match, the first one known wins, as in the order the forms were collected.
    """
    children: list[dict[str, int]] = [{}]
    ends: dict[int, tuple[int, Cluster]] = {}  # node -> (order of the form, its cluster)

    def learn(words: list[str], c: Cluster) -> None:
        node = 0
        for word in words:
            child = children[node].get(word)
            if child is None:
                child = len(children)
                children[node][word] = child
                children.append({})
            node = child
        ends.setdefault(node, (len(ends), c))

    for c in clusters:
        for m in c.mentions:
            learn(m.text.split(), c)
    # Surnames: "Mueller" of "Robert S. Mueller III"; never a "Jr." name's, nor a pronoun
    # ("He" of "Liu He")
    for c in clusters:
        n = len(_name_words(c))
        surname = _longest_tokens(c)[n - 1 : n]
        if c.label == "PERSON" and surname and surname[0].lower() not in _PRONOUNS | _SUFFIXES:
            learn(surname, c)
    for parsed in fields:
        taken = _covered_tokens(c for c in clusters)
        doc = parsed.doc
        for i, tok in enumerate(doc):
            if (parsed.field, i) in taken or not tok.is_title:
                continue
            matches: list[tuple[int, int, Cluster]] = []  # (order, end, cluster)
            node, end = 0, i
            while end < len(doc) and (child := children[node].get(doc[end].text)) is not None:
                node, end = child, end + 1
                if node in ends:
                    order, c = ends[node]
                    matches.append((order, end, c))
            for _, end, c in sorted(matches, key=lambda match: match[0]):
                if not any((parsed.field, j) in taken for j in range(i, end)):
                    _add_repeat(parsed, c, i, end, taken)
                    break


def _covered_tokens(clusters: object) -> set[tuple[TextField, int]]:
    return {
        (m.field, j)
        for c in clusters  # type: ignore[attr-defined]
        for m in c.mentions
        for j in range(m.tok_start, m.tok_end)
    }


def _add_repeat(
    parsed: ParsedField, c: Cluster, i: int, end: int, taken: set[tuple[TextField, int]]
) -> None:
    doc = parsed.doc
    a, b = doc[i].idx, doc[end - 1].idx + len(doc[end - 1].text)
    c.mentions.append(RawMention(parsed.field, a, b, parsed.text[a:b], i, end))
    taken.update((parsed.field, j) for j in range(i, end))


def to_entities(clusters: list[Cluster], body_length: int) -> list[Entity]:
    """``Entity`` models with salience; tone is filled in by the caller."""
    top = max((len(c.mentions) for c in clusters), default=1)
    return [
        Entity(
            name=c.name,
            label=c.label,
            mentions=[
                Mention(text=m.text, start=m.start, end=m.end, field=m.field) for m in c.mentions
            ],
            count=len(c.mentions),
            salience=salience(c, top, body_length),
        )
        for c in clusters
    ]


def salience(c: Cluster, top_count: int, body_length: int) -> float:
    """0.5 x count/top count + 0.3 x earliness of the first body mention + 0.2 x in title."""
    frequency = len(c.mentions) / top_count
    body_starts = [m.start for m in c.mentions if m.field == "body"]
    earliness = 1.0 - min(body_starts) / max(body_length, 1) if body_starts else 0.0
    in_title = 1.0 if any(m.field == "title" for m in c.mentions) else 0.0
    return round(min(1.0, 0.5 * frequency + 0.3 * earliness + 0.2 * in_title), 4)
