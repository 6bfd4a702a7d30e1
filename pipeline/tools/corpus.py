"""A synthetic benchmark corpus: news-like articles of 300–1,500 words, built from templates.

Every word comes from the lists and sentence templates below (made-up people, places and
organisations; general issues from the stance catalogue), so the corpus carries no scraped
text and no licence. The same ``(n, seed)`` always yields the same articles.

Write JSONL with ``python -m pipeline.tools.corpus N [SEED] > corpus.jsonl``.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.models import RawArticle

MIN_WORDS = 300
MAX_WORDS = 1_500
# (share, shortest, longest) target lengths: mostly short and mid-length pieces, some long
# features, as on a wire service. Targets stop below MAX_WORDS so one sentence cannot overrun.
LENGTH_MIX = ((0.35, 300, 600), (0.40, 600, 1_000), (0.25, 1_000, 1_450))


def _words(text: str, sep: str | None = None) -> list[str]:
    """The words (or ``sep``-separated items) of a block of text: keeps long lists compact."""
    return [w.strip() for w in text.split(sep)]


FIRST = _words("""Amara Tomas Ilse Reza Marta Joon Priya Oskar Lena Dario Nadia Kofi Elin Mateo
Sanne Yusuf Ines Bram Farah Pavel Chiara Emeka Sofia Henrik Talia Ruben Mireille Anders""")
LAST = _words("""Brandvik Castellan Mirov Oduya Tamsett Veloria Haskell Drummond Kessling Ardent
Lindqvist Morwen Santorin Belcourt Quillan Rasmund Oyelaran Petrak Zelinski Harrowgate
Okafor Vantongeren Ellery Dunmore Szabroth Marchetti""")
COUNTRIES = _words("""Norland Velaria Karesh Mirandor Solvenia Tarvonia Eskeland Brevania Ostmark
Calvaria""")
CITIES = [
    "Port Alden", "Kessing", "Valmora", "Ristad", "Brenholm", "Calder Bay", "Oskaville",
    "Lindmoor", "Sarrow", "Tullin", "New Harwick", "Grenfold",
]  # fmt: skip
ORGS = [
    "the Farmers Union", "the Central Bank", "the Coastal States Council",
    "the Harbour Workers Federation", "the Institute for Fiscal Balance", "the Senate",
    "United Grain Exporters", "the Northern Energy Agency", "the Ministry of Finance",
    "Meridian Analytics", "the Council of Mayors", "the National Teachers Association",
    "the Chamber of Commerce", "the Green Future Party", "the Liberty Alliance",
]  # fmt: skip
ROLES = [
    "prime minister", "foreign minister", "finance minister", "opposition leader",
    "union leader", "central bank governor", "senator", "trade envoy", "economist",
    "defence minister", "party spokeswoman", "regional governor", "labour minister",
]  # fmt: skip
ISSUES = [
    "ceasefire", "peace talks", "peace plan", "sanctions", "military aid", "arms shipments",
    "humanitarian aid", "tariffs", "trade deal", "snap election", "immigration reform",
    "climate policy", "carbon tax", "tax cuts", "wealth tax", "minimum wage", "gun control",
    "healthcare reform", "budget", "austerity measures", "debt ceiling", "interest rates",
    "nuclear power", "offshore drilling", "strike action",
]  # fmt: skip
PRO = _words("backed supported welcomed endorsed praised defended championed approved")
CON = _words("rejected opposed condemned criticised denounced dismissed blocked resisted")
GROUPS = _words("""farmers teachers nurses dockworkers pensioners students shopkeepers miners
families commuters exporters fishermen""")
ONE_OF_GROUP = _words("farmer teacher nurse dockworker pensioner student shopkeeper miner")
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = _words("""January February March April May June July August September October November
December""")
POS_ADJ = _words(
    "a welcome step,an overdue correction,a fair compromise,a historic opportunity", ","
)
NEG_ADJ = _words("reckless,unworkable,a betrayal of voters,deeply unfair,premature,dangerous", ",")
BENEFITS = [
    "protect jobs in the north", "bring down prices", "restore trust in the institutions",
    "give {group} more security", "end months of uncertainty", "attract new investment",
]  # fmt: skip

TITLES = [
    "{country} {pro} {issue} as talks resume in {city}",
    "{last} {con} {issue} amid protests by {group}",
    "{org_cap} warns over {issue}",
    "{country} and {country2} clash over {issue}",
    "What the {issue} means for {group} in {country}",
    "{city} braces for vote on {issue}",
]  # fmt: skip
STANCE = [
    "{p}, the {role}, {pro} the {issue} on {weekday}, saying it would {benefit}.",
    "{p} {con} the proposed {issue}, calling it {neg}.",
    "Members of {org} voted against the {issue} by {n2} votes to {n1}.",
    "{org_cap} has called for the {issue} to be extended until {month}.",
    "{p} refused to back the {issue} without guarantees for {group}.",
    "Officials in {city} welcomed the {issue} as {pos}.",
    "{p} said the {issue} must end before the summit in {month}.",
    "{org_cap} urged {country} to accept the {issue}.",
    "{q} accused {p} of trying to block the {issue} for political gain.",
    "{p} agreed to support the {issue} after a late-night meeting with {q}.",
]  # fmt: skip
QUOTES = [
    '"We will not accept a {issue} that hurts {group}," {p} told reporters in {city}.',
    '"This is {pos} for {group} across {country}," said {p}, the {role}.',
    '"Nobody in {city} wants another winter like the last one," {p} said in a statement.',
    '{p} described the talks as "difficult but honest" and added that "the door remains open."',
    '"The numbers simply do not add up," said {p}, an {role2} at {org}.',
    '"We have waited {n_small} years for this," said a {group_one} from {city}.',
]  # fmt: skip
FACTS = [
    "According to {org}, about {thousands} {group} in {country} were affected in {year}.",
    "Prices rose by {pct} in {month}, the fastest increase since {year}.",
    "The plan would cost {money} over {n_small} years, {org} estimated.",
    "{city} has about {thousands} residents and lies {n1} kilometres from {country2}.",
    "{org_cap} last met in {city} in {month} {year}.",
    "Analysts at {org} expect growth of {pct} next year, down from {pct2} in {year}.",
    "Turnout in the last vote was {pct}, the lowest since {year}.",
    "On {weekday}, {n1} people gathered outside the parliament in {city}.",
]  # fmt: skip
CONTEXT = [
    "The dispute over the {issue} has divided {country} since {year}.",
    "Critics argue that the {issue} favours large companies over {group}.",
    "Supporters say it will {benefit}.",
    "Talks are expected to resume in {city} next {weekday}.",
    "{p} is due to meet {q} in {city} later this week.",
    "{p}, who has led {org} since {year}, faces growing pressure from {group}.",
    "It was not immediately clear whether {country2} would join the agreement.",
    "Neither side commented on the report on {weekday}.",
    "Local media in {city} reported long queues outside banks and petrol stations.",
    "Opposition leader {p} accused the government of ignoring {group}.",
    "The {role} is expected to present a revised proposal by the end of {month}.",
    "Diplomats said a compromise on the {issue} could still be reached before {month}.",
]  # fmt: skip
KINDS = ((STANCE, 0.3), (QUOTES, 0.15), (FACTS, 0.25), (CONTEXT, 0.3))


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    role: str


@dataclass
class Story:
    """What one article is about: its cast is reused so that entities recur like in news."""

    country: str
    country2: str
    city: str
    issue: str
    people: list[Person]
    orgs: list[str]
    introduced: set[Person]

    def mention(self, person: Person) -> str:
        """Full name on first mention, surname afterwards (as news style does)."""
        if person in self.introduced:
            return person.last
        self.introduced.add(person)
        return f"{person.first} {person.last}"


class _Slots(dict[str, str]):
    """Fills one template's slots on demand; the same slot name is one value per sentence."""

    def __init__(self, rng: random.Random, story: Story) -> None:
        super().__init__()
        self._rng = rng
        self._story = story
        self._speaker, self._other = rng.sample(story.people, 2)

    def __missing__(self, key: str) -> str:
        value = self._value(key)
        self[key] = value
        return value

    def _value(self, key: str) -> str:
        rng, story = self._rng, self._story
        fixed = {
            "p": lambda: story.mention(self._speaker),
            "q": lambda: story.mention(self._other),
            "role": lambda: self._speaker.role,
            "last": lambda: self._speaker.last,
            "country": lambda: story.country,
            "country2": lambda: story.country2,
            "issue": lambda: story.issue,
            "org": lambda: rng.choice(story.orgs),
            "org_cap": lambda: _capitalise(rng.choice(story.orgs)),
            "city": lambda: story.city if rng.random() < 0.6 else rng.choice(CITIES),
        }
        if key in fixed:
            return fixed[key]()
        return _random_value(key, rng)


def _random_value(key: str, rng: random.Random) -> str:
    """A slot that does not depend on the story: numbers, dates, words from a list."""
    choices = {
        "pro": PRO,
        "con": CON,
        "group": GROUPS,
        "weekday": WEEKDAYS,
        "month": MONTHS,
        "pos": POS_ADJ,
        "neg": NEG_ADJ,
        "role2": ["economist", "analyst", "adviser", "official"],
    }
    if key in choices:
        return rng.choice(choices[key])
    numbers = {
        "n1": lambda: str(rng.randint(12, 400)),
        "n2": lambda: str(rng.randint(401, 900)),
        "n_small": lambda: rng.choice(["two", "three", "five", "ten"]),
        "thousands": lambda: f"{rng.randint(2, 950)},000",
        "year": lambda: str(rng.randint(1995, 2023)),
        "pct": lambda: f"{rng.randint(1, 60)}.{rng.randint(0, 9)} percent",
        "pct2": lambda: f"{rng.randint(1, 9)}.{rng.randint(0, 9)} percent",
        "money": lambda: f"${rng.randint(2, 90)} billion",
        "group_one": lambda: rng.choice(ONE_OF_GROUP),
        "benefit": lambda: rng.choice(BENEFITS).replace("{group}", rng.choice(GROUPS)),
    }
    return numbers[key]()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _story(rng: random.Random) -> Story:
    country, country2 = rng.sample(COUNTRIES, 2)
    names = zip(rng.sample(FIRST, 5), rng.sample(LAST, 5), rng.sample(ROLES, 5), strict=True)
    return Story(
        country=country,
        country2=country2,
        city=rng.choice(CITIES),
        issue=rng.choice(ISSUES),
        people=[Person(*name) for name in names],
        orgs=rng.sample(ORGS, 3),
        introduced=set(),
    )


def _target_words(rng: random.Random) -> int:
    roll = rng.random()
    for share, low, high in LENGTH_MIX:
        if roll < share:
            return rng.randint(low, high)
        roll -= share
    return rng.randint(LENGTH_MIX[-1][1], LENGTH_MIX[-1][2])


def _sentence(rng: random.Random, story: Story) -> str:
    pool = rng.choices([kind for kind, _ in KINDS], weights=[w for _, w in KINDS])[0]
    return _capitalise(rng.choice(pool).format_map(_Slots(rng, story)))


def _body(rng: random.Random, story: Story, target: int) -> str:
    """Paragraphs of one to four sentences until the target length, never over MAX_WORDS."""
    # The lead sentence always carries a stance, as a news lead states who wants what.
    paragraphs: list[list[str]] = [[_capitalise(rng.choice(STANCE).format_map(_Slots(rng, story)))]]
    words = len(paragraphs[0][0].split())
    while words < target:
        sentence = _sentence(rng, story)
        size = len(sentence.split())
        if words + size > MAX_WORDS:
            break
        if len(paragraphs[-1]) >= rng.randint(1, 4):
            paragraphs.append([])
        paragraphs[-1].append(sentence)
        words += size
    return "\n\n".join(" ".join(p) for p in paragraphs)


def _article(rng: random.Random, seed: int, index: int) -> RawArticle:
    story = _story(rng)
    title = _capitalise(rng.choice(TITLES).format_map(_Slots(rng, story)))
    story.introduced.clear()  # the body introduces people again, by full name
    body = _body(rng, story, _target_words(rng))
    if rng.random() < 0.3:
        body = f"{story.city.upper()}, {story.country} (Newsflow Wire) — {body}"
    published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 525_600))
    article_id = f"bench-{seed}-{index:05d}"
    return RawArticle(
        id=article_id,
        title=title,
        body=body,
        source="Newsflow Wire",
        url=f"https://wire.example/{article_id}",
        published_at=published,
        language="en",
    )


def generate(n: int, seed: int = 0) -> list[RawArticle]:
    """``n`` articles of 300–1,500 words; deterministic in ``(n, seed)``, ids ``bench-S-NNNNN``."""
    rng = random.Random(seed)
    return [_article(rng, seed, i) for i in range(n)]


def relabelled(articles: list[RawArticle], tag: str, count: int) -> list[RawArticle]:
    """``count`` articles cycling through ``articles``, each made new with ``tag``.

    A benchmark phase re-sends the corpus; the worker drops a re-sent article (same id, URL
    or words), so the id, the URL and the title (a few characters) carry the tag.
    """
    return [_tagged(articles[i % len(articles)], f"{tag}{i}") for i in range(count)]


def _tagged(article: RawArticle, tag: str) -> RawArticle:
    update = {"id": f"{article.id}-{tag}", "title": f"{article.title} ({tag})"}
    if article.url:
        update["url"] = f"{article.url}-{tag}"
    return article.model_copy(update=update)


def main(argv: list[str]) -> int:
    """``python -m pipeline.tools.corpus N [SEED]``: write N articles as JSONL to stdout."""
    if not 1 <= len(argv) <= 2 or not all(a.isdigit() for a in argv):
        print("usage: python -m pipeline.tools.corpus N [SEED] > corpus.jsonl", file=sys.stderr)
        return 2
    seed = int(argv[1]) if len(argv) == 2 else 0
    for article in generate(int(argv[0]), seed):
        sys.stdout.write(article.model_dump_json(exclude_none=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
