"""The Prometheus config, rules and Grafana dashboard, checked with the real ``promtool``.

No broker and no server: ``promtool check config|rules`` validate syntax and PromQL,
``promtool test rules`` runs deploy/prometheus/tests/alerts_test.yml, and the dashboard's
PromQL must only name metrics the worker exports or the recording rules define.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from pipeline.ingest.feed_metrics import FeedMetrics
from pipeline.ingest.serve import IngestMetrics
from pipeline.observe.metrics import WorkerMetrics
from pipeline.trends.metrics import TrendsMetrics

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy/prometheus"
CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RECORDING = PROMETHEUS_DIR / "rules/recording.yml"
ALERTS = PROMETHEUS_DIR / "rules/alerts.yml"
ALERT_TESTS = PROMETHEUS_DIR / "tests/alerts_test.yml"
DASHBOARD = ROOT / "deploy/grafana/dashboards/newsflow.json"
GRAFANA_DATASOURCES = ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml"

# Series Prometheus itself attaches to every target; not exported by the worker.
SYNTHETIC = frozenset({"up"})


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: scripts/system-deps.sh test installs Debian's prometheus"
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rules(path: Path) -> list[dict[str, Any]]:
    return [rule for group in _load(path)["groups"] for rule in group["rules"]]


def recording_rule_names() -> set[str]:
    return {rule["record"] for rule in rules(RECORDING)}


# --- PromQL ------------------------------------------------------------------------------

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
     "group_left", "group_right", "inf", "nan", "atan2"}
)  # fmt: skip


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (good enough for our own expressions).

    Strings, label matchers, ranges and grouping clauses are removed first; what remains is
    functions and aggregations (an identifier followed by ``(``), keywords and metric names.
    """
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub("", text)
    text = _RANGES.sub("", text)
    text = _GROUPING.sub("", text)
    names: set[str] = set()
    for match in _IDENT.finditer(text):
        name = match.group()
        if name.lower() in _KEYWORDS or text[match.end() :].lstrip().startswith("("):
            continue
        names.add(name)
    return names


def test_promql_metric_names_sees_through_functions_matchers_and_ranges() -> None:
    expr = (
        'topk(10, sum by (label) (increase(x_total{a="b,c", d=~"(e)"}[$__range])))'
        " / on () group_left sum without (z) (rate(y_bucket[5m] offset 1m)) > 1e3"
        ' and ns:rule:max unless absent(up{job="w"}) or vector(0)'
    )
    assert promql_metric_names(expr) == {"x_total", "y_bucket", "ns:rule:max", "up"}


def exported_sample_names(worker_only: bool = False) -> set[str]:
    """Every sample name the worker, the feed poller and the HTTP ingest can export (the
    worker's only with ``worker_only``)."""
    registry = CollectorRegistry()
    WorkerMetrics(registry)
    TrendsMetrics(registry)  # the worker's too, when NEWSFLOW_TRENDS_ENABLED
    if not worker_only:
        FeedMetrics(registry)
        IngestMetrics(registry)
    suffixes = {
        "counter": ("_total",),
        "histogram": ("_bucket", "_sum", "_count"),
        "summary": ("_sum", "_count", ""),
    }
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return names


# --- Prometheus --------------------------------------------------------------------------


def test_config_is_valid_and_loads_the_rules() -> None:
    result = promtool("check", "config", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout, result.stdout


def test_rule_files_are_relative_so_they_resolve_in_compose_and_here() -> None:
    """Relative to the config file: /etc/prometheus/rules/… in the compose container (where
    ./deploy/prometheus is mounted at /etc/prometheus), deploy/prometheus/rules/… here."""
    config = _load(CONFIG)
    assert all(not Path(p).is_absolute() for p in config["rule_files"])
    loaded = {(CONFIG.parent / p).resolve() for p in config["rule_files"]}
    assert loaded == {p.resolve() for p in (PROMETHEUS_DIR / "rules").glob("*.yml")}
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = [t for c in jobs["newsflow-worker"]["static_configs"] for t in c["targets"]]
    assert targets == ["worker:9464", "worker-b:9464"]


def test_rules_are_valid() -> None:
    result = promtool("check", "rules", str(RECORDING), str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2, result.stdout


def test_alert_unit_tests_pass() -> None:
    result = promtool("test", "rules", str(ALERT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    cases: dict[str, list[bool]] = {}
    for test in _load(ALERT_TESTS)["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], []).append(bool(case.get("exp_alerts")))
    for alert in (rule["alert"] for rule in rules(ALERTS)):
        assert True in cases.get(alert, []), f"{alert}: no case where it fires"
        assert False in cases.get(alert, []), f"{alert}: no case where it stays silent"


def test_rules_only_name_exported_or_recorded_metrics() -> None:
    known = exported_sample_names() | recording_rule_names() | SYNTHETIC
    for rule in rules(RECORDING) + rules(ALERTS):
        unknown = promql_metric_names(rule["expr"]) - known
        assert not unknown, f"{rule.get('record') or rule.get('alert')}: {unknown}"


def _anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's rule) gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_alerts_carry_severity_summary_and_a_runbook_url_to_their_section() -> None:
    guide = (ROOT / "docs/operating.md").read_text(encoding="utf-8")
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", guide, re.MULTILINE)}
    for rule in rules(ALERTS):
        assert rule["labels"]["severity"] in {"critical", "warning"}
        annotations = rule["annotations"]
        assert {"summary", "description", "runbook_url"} <= set(annotations)
        path, _, anchor = annotations["runbook_url"].partition("#")
        assert path == "docs/operating.md" and anchor == _anchor(rule["alert"]), rule["alert"]
        assert anchor in anchors, f"{rule['alert']} has no section in docs/operating.md"
    everything = guide + (ROOT / "README.md").read_text(encoding="utf-8")
    for name in recording_rule_names():
        assert f"`{name}`" in everything, f"{name} is not in the operating guide"


# --- Grafana -----------------------------------------------------------------------------


def dashboard_panels(dashboard: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    stack = list((dashboard or json.loads(DASHBOARD.read_text(encoding="utf-8")))["panels"])
    while stack:
        panel = stack.pop(0)
        stack.extend(panel.get("panels", []))
        if panel.get("type") != "row":
            yield panel


def dashboard_metric_names() -> set[str]:
    return {
        name
        for panel in dashboard_panels()
        for target in panel["targets"]
        for name in promql_metric_names(target["expr"])
    }


def test_dashboard_panels_have_a_datasource_and_targets() -> None:
    panels = list(dashboard_panels())
    assert len(panels) >= 8
    for panel in panels:
        title = panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, title
        assert panel["targets"], f"{title}: no targets"
        for target in panel["targets"]:
            assert target["expr"].strip(), f"{title}: empty expression"
            assert target.get("datasource", panel["datasource"]) == panel["datasource"], title
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_dashboard_imports_into_any_grafana_with_datasource_and_instance_variables() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (variables["datasource"]["type"], variables["datasource"]["query"]) == (
        "datasource", "prometheus",
    )  # fmt: skip
    instance = variables["instance"]
    assert instance["datasource"]["uid"] == "${datasource}" and instance["includeAll"]
    assert 'up{job="newsflow-worker"}' in instance["definition"]
    # No uid of one installation: the compose datasource's uid appears nowhere.
    uid = _load(GRAFANA_DATASOURCES)["datasources"][0]["uid"]
    assert uid not in DASHBOARD.read_text(encoding="utf-8")
    worker_metrics = exported_sample_names(worker_only=True)
    for panel in dashboard_panels(dashboard):
        for target in panel["targets"]:
            raw = promql_metric_names(target["expr"]) & worker_metrics
            if raw:  # a worker's own series: the chosen workers only
                assert '{instance=~"$instance"}' in target["expr"], panel["title"]


def test_dashboard_covers_what_operators_asked_for() -> None:
    used = dashboard_metric_names()
    assert {
        "newsflow_articles_consumed_total",  # throughput
        "newsflow:end_to_end_latency_seconds:p99_5m",  # e2e quantiles
        "newsflow:consumer_lag_messages:max",
        "newsflow:consumer_lag_seconds:max",
        "newsflow_articles_deadlettered_total",  # dead letters by reason
        "newsflow_entities_extracted_total",  # top entity labels
        "newsflow_stance_tags_total",  # stance mix
        "newsflow_feed_items_published_total",  # per-feed view
        "newsflow_feed_errors_total",
        "newsflow_feed_last_success_timestamp_seconds",
        "newsflow_http_requests_total",  # HTTP ingest
        "newsflow_http_request_duration_seconds_bucket",
        "newsflow_trends_table_rows",  # trend tables
        "newsflow_trends_changelog_lag_messages",
        "newsflow_trends_event_lateness_seconds_bucket",
    } <= used


def test_dashboard_only_queries_exported_or_recorded_metrics() -> None:
    known = exported_sample_names() | recording_rule_names() | SYNTHETIC
    assert dashboard_metric_names() - known == set()


@pytest.mark.parametrize("path", sorted((ROOT / "deploy/grafana/provisioning").rglob("*.yml")))
def test_grafana_provisioning_files_are_version_1(path: Path) -> None:
    assert _load(path)["apiVersion"] == 1
