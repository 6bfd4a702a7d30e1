from __future__ import annotations

from pipeline.enrich.language import identify, latin_share, running_words


def test_running_words_leave_out_names_and_numbers() -> None:
    assert running_words("Aston Villa 0-2 (0-1) Wigan Athletic") == 0
    assert running_words("Brazil beat Germany 2-1 in the final") == 4


def test_prose_is_identified() -> None:
    assert identify("The minister said on Monday that the talks would continue.").language == "en"
    assert identify("O governo disse que vai rever o orçamento.").language == "pt"
    assert identify("Il governo ha approvato il decreto sulle pensioni.").language == "it"


def test_names_and_numbers_alone_are_not_identified() -> None:
    found = identify("Juventus 1 Napoli 0\nInter Milan 2 Roma 2")
    assert found.language is None and found.is_english is None


def test_another_script_is_identified_even_when_short() -> None:
    assert latin_share("Программы для Nokia") < 0.5
    assert identify("Программы для Nokia 5800").language == "ru"
