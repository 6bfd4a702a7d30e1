"""The README speaks to users: its first screen, the commands and exit codes as the CLI has
them, and no history or dates in README or docs."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.cli.parser import EXIT_CODES, build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_screen_says_what_it_does_shows_the_flow_and_the_two_commands() -> None:
    first = README.split("\n## ", 2)
    intro, two_commands = first[0], first[1]
    image = re.search(r"!\[[^\]]+\]\(([^)]+\.(?:png|svg))\)", intro)
    assert image and (ROOT / image.group(1)).is_file()
    assert (ROOT / image.group(1)).with_suffix(".dot").is_file()  # rendered by make docs
    assert two_commands.startswith("Two commands")
    assert "make run" in two_commands and "make test" in two_commands
    assert "measured by" in two_commands  # figures say how they were measured


def test_every_command_and_exit_code_is_documented() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"`newsflow {name}" in README, name
    table = README.split("Errors are one line on stderr")[1].split("\n## ")[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert documented == {code for code, _ in EXIT_CODES}


def test_no_history_or_dates_in_readme_or_docs() -> None:
    history = re.compile(
        r"\b(?:19|20)\d\d-\d\d-\d\d\b|\btoday\b|\byesterday\b|\bno longer\b|\bused to\b"
        r"|\bpreviously\b(?! assigned)|\(now\b|\bsession \d\b|\bearlier version\b",
        re.IGNORECASE,
    )
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not history.search(line), f"{path.name}:{n}: {line.strip()}"
