"""Readers' install: the models and the client import without the worker's dependencies;
every package the code imports is declared; the client maps topics to models."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from pipeline.cli import TRAIN_ONLY_MODULES, WORKER_ONLY_MODULES
from pipeline.client import event_model
from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.models import DeadLetter, EnrichedArticle, EntityEvent, StanceEvent
from pipeline.stories.models import StoryEvent

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not installed for readers")
sys.meta_path.insert(0, Block())
from pipeline.client import subscribe, EnrichedArticle, EntityEvent, StanceEvent
from pipeline.client import StoryEvent, DeadLetter
import pipeline.models, pipeline.cli
from pipeline.cli import main
assert main(["config", "show", "--json"]) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
"""


def test_models_client_and_cli_import_without_worker_dependencies() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, ",".join(sorted(WORKER_ONLY_MODULES))],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def _name(requirement: str) -> str:
    return re.split(r"[=<>\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _third_party_imports() -> set[str]:
    """Every import in pipeline/; the module-level ones of scripts/ (a script may compare
    with packages the user installs for that comparison, imported where it is used)."""
    nodes: list[ast.AST] = []
    for path in (ROOT / "pipeline").rglob("*.py"):
        nodes += ast.walk(ast.parse(path.read_text()))
    for path in (ROOT / "scripts").glob("*.py"):
        nodes += ast.parse(path.read_text()).body
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "pipeline"}


def test_every_imported_package_is_declared_in_its_extra() -> None:
    base = {_name(r) for r in PROJECT["dependencies"]}
    worker = {_name(r) for r in PROJECT["optional-dependencies"]["worker"]}
    train = {_name(r) for r in PROJECT["optional-dependencies"]["train"]}
    distributions = packages_distributions()
    for module in _third_party_imports():
        declared = {_name(d) for d in distributions.get(module, [])}
        where = worker if module in WORKER_ONLY_MODULES else base
        if module in TRAIN_ONLY_MODULES:
            where = train
        assert declared & where, f"{module} (from {declared}) is not declared"
    assert PROJECT["license"] == "Apache-2.0" and (ROOT / "LICENSE").is_file()


def test_constraints_pin_every_declared_package() -> None:
    pinned = {
        _name(line): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    extras = PROJECT["optional-dependencies"]
    own, *tools = extras["dev"]
    # `make setup` installs the dev extra, so it must bring every other extra the tests use.
    assert own == f"newsflow[{','.join(sorted(set(extras) - {'dev'}))}]"
    for requirement in PROJECT["dependencies"] + extras["worker"] + extras["train"] + tools:
        name, _, version = requirement.partition("==")
        assert pinned.get(_name(name)) == version, requirement


def test_each_topic_has_its_model() -> None:
    s = Settings()
    assert event_model(s, "news.enriched") is EnrichedArticle
    assert event_model(s, "entities") is EntityEvent
    assert event_model(s, s.topics.stance) is StanceEvent
    assert event_model(s, "news.deadletter") is DeadLetter
    assert event_model(s, "stories") is StoryEvent
    assert event_model(s, s.topics.stories) is StoryEvent
    with pytest.raises(ConfigError, match=r"news\.raw carries no Newsflow event"):
        event_model(s, "news.raw")
