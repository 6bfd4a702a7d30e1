"""General-knowledge word lists for news: institutions, titles, organisation suffixes.

Nothing here is tuned to any article: these are institutions and companies every wire desk
writes about, person titles and organisation words. Places come from maintained data
(:mod:`pipeline.enrich.places`: pycountry and GeoNames).
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.enrich.places import places


def _words(text: str) -> list[str]:
    return text.split()


def _lower_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


INSTITUTIONS = _lower_set(
    [
        "White House",
        "Kremlin",
        "Pentagon",
        "State Department",
        "Congress",
        "Senate",
        "House of Representatives",
        "Supreme Court",
        "Federal Reserve",
        "Fed",
        "Treasury",
        "Justice Department",
        "United Nations",
        "UN",
        "U.N.",
        "NATO",
        "European Union",
        "EU",
        "E.U.",
        "European Commission",
        "European Parliament",
        "Security Council",
        "World Bank",
        "International Monetary Fund",
        "IMF",
        "World Health Organization",
        "WHO",
        "World Trade Organization",
        "WTO",
        "OPEC",
        "African Union",
        "G7",
        "G20",
        "Downing Street",
        "Elysee",
        "Bundestag",
        "Duma",
        "Knesset",
        "Parliament",
        "International Criminal Court",
        "Red Cross",
        "Hamas",
        "Hezbollah",
        "Taliban",
        "Democratic Party",
        "Republican Party",
        "Labour",
        "FBI",
        "CIA",
        "Interpol",
        "Europol",
        "Reuters",
        "Associated Press",
        # organisations of civil society that news quotes for positions
        "Human Rights Watch",
        "Amnesty International",
        "Greenpeace",
        "Oxfam",
        "Transparency International",
        "Reporters Without Borders",
        "Doctors Without Borders",
        "International Crisis Group",
    ]
)

# Large companies that news names without a suffix ("Pfizer said ...").
COMPANIES = _lower_set(
    _words("""Apple Google Alphabet Microsoft Amazon Meta Facebook Tesla Nvidia Intel IBM Oracle
    Netflix Uber Pfizer Moderna AstraZeneca Novartis Bayer Siemens Volkswagen BMW Toyota Honda
    Nissan Hyundai Samsung Sony Huawei Alibaba Tencent Shell BP Exxon ExxonMobil Chevron
    Gazprom Rosneft Aramco Boeing Airbus Lockheed Raytheon Walmart Nestle Unilever HSBC
    Barclays JPMorgan Goldman OpenAI SpaceX TikTok ByteDance Twitter Instagram YouTube WhatsApp
    Snapchat Reddit LinkedIn Tumblr Spotify""")
)

# Government portfolios: "Defence" in "Defence Secretary X" is part of a title.
PORTFOLIOS = _lower_set(
    _words("""defence defense commerce foreign finance interior justice health education
    energy trade treasury state home agriculture transport transportation labor labour
    environment culture economy economic housing veterans homeland security affairs law""")
)

# Capitalised abbreviations that are not names.
NOT_ACRONYMS = _lower_set(
    _words("""CEO CFO COO GDP AI TV OK COVID UFO DNA NGO VIP PM AM PR IT ID EV IPO""")
)

FACILITIES = _lower_set(["Oval Office", "Capitol", "Capitol Hill", "Situation Room"])

# Country names written many ways; each maps onto one key so that variants merge.
COUNTRY_ALIASES: dict[str, str] = {
    "u.s.": "united states",
    "us": "united states",
    "u.s": "united states",
    "usa": "united states",
    "u.s.a.": "united states",
    "america": "united states",
    "u.k.": "united kingdom",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "u.n.": "united nations",
    "un": "united nations",
    "eu": "european union",
    "e.u.": "european union",
    "kiev": "kyiv",
    "odessa": "odesa",
}

# Words that introduce a person's name: "President X", "Secretary of State X", "Sen. X";
# the short forms with and without a full stop ("Mr. Arafat" in American, "Mr Arafat" in
# British and Australian style).
_SHORT_TITLES = _words("mr. mrs. ms. dr. prof. sen. rep. mr mrs ms dr prof")
SHORT_TITLES = _lower_set(_SHORT_TITLES)
PERSON_TITLES = _lower_set(
    _words("""president vice-president secretary minister premier chancellor adviser advisor
    spokesman spokeswoman spokesperson senator sen. rep. representative congressman
    congresswoman governor gov. mayor ambassador envoy general gen. admiral director chief
    ceo chairman chairwoman chair judge justice king queen prince princess pope leader
    commander lawmaker professor counterpart deputy speaker
    prosecutor attorney negotiator diplomat official officer coach captain emir sheikh
    president-elect czar economist analyst executive founder head councillor councilor
    councilman councilwoman councilmember alderman alderwoman assemblyman assemblywoman
    assemblymember commissioner inspector
    detective sergeant colonel lieutenant archbishop bishop rabbi imam cardinal sir dame lord
    supervisor magistrate solicitor treasurer recorder commodore comptroller auditor sheriff marshal
    superintendent ombudsman mp mep msp""")
    + _SHORT_TITLES
)

# Role nouns a later definite description ("the minister") can use for a person.
PERSON_ROLES = PERSON_TITLES - SHORT_TITLES

ORG_ROLES = _lower_set(
    _words("""company firm group party ministry agency bank government administration alliance bloc
    union organization organisation council commission committee court campaign movement
    militia network airline manufacturer retailer startup""")
)

# Nouns that describe an organisation in apposition ("Huarong Thermal, the heat pump
# company") and never a person: not the trades that also name people ("the Hollywood
# producer", "a coal miner", "a rice exporter", "a car retailer").
ORG_DESCRIPTIONS = _lower_set(
    _words("""company firm corporation conglomerate subsidiary utility charity nonprofit startup
    airline bank ministry agency party union organization organisation alliance coalition
    council commission committee body""")
)

# Months and weekdays, written out: capitalised like names, never names themselves.
CALENDAR_WORDS = _lower_set(
    _words("""January February March April May June July August September October November
    December Monday Tuesday Wednesday Thursday Friday Saturday Sunday""")
)
GPE_ROLES = _lower_set(["country", "nation", "city", "capital", "state", "province", "region"])

# Final words of a company's name that say its trade ("Delta Basin Energy", "Northern Crown
# Railways"): such a name is "the company".
INDUSTRY_WORDS = _lower_set(
    _words("""energy semiconductor semiconductors pharmaceuticals motors systems technologies
    industries partners capital resources mining petroleum telecom communications
    insurance logistics shipping steel chemicals therapeutics software ventures
    railways railway""")
)

# Final words that make a name an organisation ("Acme Corp", "Labour Party").
ORG_SUFFIXES = INDUSTRY_WORDS | _lower_set(
    _words("""inc inc. corp corp. corporation co co. ltd ltd. llc plc ag sa gmbh group holdings
    ministry party bank council commission agency department university college union
    committee court parliament assembly institute foundation association company airlines
    airways army navy forces force guard police service services office authority
    organization organisation federation league network news times post press club
    fund trust board bureau tribunal coalition alliance front movement brigade""")
)

# First words of organisation names: "Ministry of Defense", "Bank of England".
ORG_PREFIXES = _lower_set(
    _words("""ministry department bank university council court office bureau house board
    federation league union""")
)

# Head nouns after a name that mark it as a product rather than a person ("Patriot missiles").
PRODUCT_HEADS = _lower_set(
    _words("""system systems missile missiles jet jets tank tanks rifle rifles drone drones rocket
    rockets launcher launchers phone phones car cars vaccine vaccines""")
)


def place_label(key: str) -> str | None:
    """GPE/LOC/ORG/FAC for a normalised name the gazetteer knows, else None."""
    label = places().label(key)
    if label is not None:
        return label
    if key in INSTITUTIONS or key in COMPANIES:
        return "ORG"
    if key in FACILITIES:
        return "FAC"
    return None


def is_town(key: str) -> bool:
    """A smaller city of GeoNames ("grafton", "launceston"): a place only where the sentence
    puts it in one (:func:`pipeline.enrich.mentions.placed_town`)."""
    return key in places().towns


def is_country_or_state(key: str) -> bool:
    """A country or US state ("Springfield, Illinois")."""
    return key in places().countries


# Verbs headlines use, written in Title Case there ("Trump Continues Hammering McConnell",
# "House Votes to Sue Obama"): an inflected form of one of these inside a Title-Case run is
# the headline's verb, never part of a name. Verbs whose forms are also common surnames or
# name words (state -> "United States", post, note, burn, bank, gain -> "Gaines", ...) are
# left out.
HEADLINE_VERBS = _lower_set(
    _words("""say tell call vote continue push pull ask urge warn plan seek face win lose meet
    move take make get set hit reject accept back slam blast attack praise criticize criticise
    hammer defend deny admit claim vow pledge promise threaten demand announce unveil launch
    sign veto block approve pass propose endorse support oppose sue fire hire quit resign join
    leave drop talk speak respond reply fight challenge accuse blame question mock thank
    applaud welcome condemn denounce cheer rip bash knock tout dismiss weigh mull consider
    react return visit lead beat trail stop start cut raise boost slash ban order send give
    offer reveal insist hint suggest fear want need try help keep break shut turn agree
    refuse decline invite pick nominate appoint tap choose expect doubt look come go see
    rebuke scold lash lambaste defy dodge skip eye trade spar clash feud erupt double
    sound bring open close release unload earn shock contradict loom sell recant write select
    impeach watch draw clear become""")
)

# Photo agencies whose credit line often runs into a caption or headline ("Getty Trump:").
PHOTO_CREDITS = _lower_set(["Getty", "AFP", "EPA"])
