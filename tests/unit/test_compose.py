"""docker-compose.yml cannot run here; keep it consistent with the code instead."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def _setting_exists(env_name: str) -> bool:
    """NEWSFLOW_<FIELD> or NEWSFLOW_<GROUP>_<FIELD>, as the settings read them."""
    rest = env_name.removeprefix("NEWSFLOW_").lower()
    fields = Settings.model_fields
    if rest in fields:
        return True
    group, _, field = rest.partition("_")
    annotation = fields[group].annotation if group in fields else None
    return annotation is not None and field in getattr(annotation, "model_fields", {})


def test_kafka_image_is_the_version_the_local_broker_runs() -> None:
    pom = (ROOT / "pipeline/data/kafka-pom.xml").read_text()
    version = re.search(r"<kafka.version>([\d.]+)</kafka.version>", pom)
    assert version is not None
    assert SERVICES["kafka"]["image"] == f"apache/kafka:{version.group(1)}"
    env = SERVICES["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper


def test_every_newsflow_env_var_is_a_real_setting() -> None:
    names = [
        name
        for service in SERVICES.values()
        for name in (service.get("environment") or {})
        if name.startswith("NEWSFLOW_")
    ]
    assert names, "the newsflow services configure themselves through NEWSFLOW_* variables"
    unknown = [n for n in names if not _setting_exists(n)]
    assert unknown == []
    assert not _setting_exists("NEWSFLOW_KAFKA_NO_SUCH_THING")


def test_worker_metrics_port_matches_settings_and_prometheus_target() -> None:
    worker = SERVICES["worker"]
    port = int(worker["environment"]["NEWSFLOW_METRICS_PORT"])
    assert port == Settings.model_fields["metrics"].default.port
    assert any(p.endswith(f":{port}") for p in worker["ports"])
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = [
        t
        for job in prometheus["scrape_configs"]
        for c in job["static_configs"]
        for t in c["targets"]
    ]
    assert f"worker:{port}" in targets
    assert f"worker-b:{port}" in targets  # the second replica of the same group


def test_feed_poller_is_scraped_on_its_metrics_port() -> None:
    feed = SERVICES["feed"]
    port = int(feed["environment"]["NEWSFLOW_FEED_METRICS_PORT"])
    assert port == Settings.model_fields["feed"].default.metrics_port
    assert feed["command"][0] == "feed"
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert jobs["newsflow-feed"]["static_configs"][0]["targets"] == [f"feed:{port}"]


def test_cluster_address_points_at_the_kafka_service() -> None:
    listeners = SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for name in ("worker", "worker-b", "feed", "serve", "producer"):
        assert SERVICES[name]["environment"]["NEWSFLOW_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert "PLAINTEXT://kafka:9092" in listeners


def test_files_the_stack_mounts_or_builds_exist() -> None:
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            host = volume.split(":")[0]
            if host.startswith("."):  # named volumes have no host path
                assert (ROOT / host).exists(), host
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").exists()
    from pipeline.cli import build_parser

    commands = {n: s.get("command", []) for n, s in SERVICES.items()}
    parser = build_parser()
    for name in ("worker", "worker-b", "feed", "serve", "producer"):
        parser.parse_args(commands[name])  # every newsflow command line is a valid one
    assert commands["worker"] == ["worker"]
    assert commands["producer"][0] == "produce"


LONG_LIVED = ("kafka", "worker", "worker-b", "feed", "serve", "prometheus", "grafana")


def test_long_lived_services_restart_and_newsflow_ones_report_health() -> None:
    for name in LONG_LIVED:
        assert SERVICES[name].get("restart") == "unless-stopped", name
    for name, port in (("worker", 9464), ("worker-b", 9464), ("feed", 9465), ("serve", 8080)):
        check = " ".join(SERVICES[name]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/" in check, name
    assert SERVICES["producer"]["restart"] == "no"  # one-shot


def test_feed_state_volume_is_the_directory_the_image_gives_the_runtime_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    state = SERVICES["feed"]["environment"]["NEWSFLOW_STATE_DIR"]
    assert f"feed-state:{state}" in SERVICES["feed"]["volumes"]
    user = re.search(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user is not None
    assert re.search(rf"mkdir -p {state} && chown {user.group(1)}\b", dockerfile)
    assert dockerfile.index("chown") < dockerfile.index("USER ")


def test_http_ingest_listens_beyond_the_container_and_is_scraped() -> None:
    serve = SERVICES["serve"]
    env = serve["environment"]
    assert serve["command"] == ["serve"] and env["NEWSFLOW_SERVE_HOST"] == "0.0.0.0"
    port = int(env["NEWSFLOW_SERVE_PORT"])
    assert port == Settings.model_fields["serve"].default.port
    assert f"127.0.0.1:{port}:{port}" in serve["ports"]
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert jobs["newsflow-serve"]["static_configs"][0]["targets"] == [f"serve:{port}"]


def test_both_workers_count_trends_and_the_live_page_shows_them() -> None:
    # Replicas of one group run the same agents and tables: trends on in both or in neither.
    envs = [SERVICES[name]["environment"] for name in ("worker", "worker-b")]
    assert all(env.get("NEWSFLOW_TRENDS_ENABLED") == "true" for env in envs)
    assert SERVICES["serve"]["environment"].get("NEWSFLOW_SERVE_LIVE") == "true"
    # Faust's web server binds 127.0.0.1 in each container, where both replicas would claim
    # the same address for routed and merged queries: it stays off here.
    assert all(env.get("NEWSFLOW_WORKER_WEB_ENABLED", "false") == "false" for env in envs)
    # Everything else the two replicas set is the same too (only their published ports differ).
    assert envs[0] == envs[1]


def test_the_two_workers_are_one_definition_but_for_the_build_and_the_published_port() -> None:
    shared = COMPOSE["x-worker"]
    assert shared["environment"] and shared["command"] == ["worker"]
    for name in ("worker", "worker-b"):
        service = SERVICES[name]
        assert {key: service[key] for key in shared} == shared, name
        assert set(service) - set(shared) <= {"build", "ports"}, name
    assert SERVICES["worker"]["environment"] == SERVICES["worker-b"]["environment"]
    assert SERVICES["worker"]["ports"] != SERVICES["worker-b"]["ports"]
    # Written once: both services merge the extension field instead of repeating it.
    assert (ROOT / "docker-compose.yml").read_text().count("<<: *worker\n") == 2
