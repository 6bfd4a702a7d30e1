"""Loading settings at the edge: unknown names, case-insensitive choices, the TOML file,
`newsflow config show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings, load_settings, setting_names, unknown_variables
from pipeline.errors import ConfigError


def test_a_misspelt_variable_is_an_error_naming_the_closest_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAPS", "k1:9092")
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "newsflow: error: unknown setting NEWSFLOW_KAFKA_BOOTSTRAPS; "
        "did you mean NEWSFLOW_KAFKA_BOOTSTRAP?\n"
    )


def test_every_unknown_name_is_counted_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_METRIC_PORT", "1")
    monkeypatch.setenv("newsflow_worker_proceses", "1")  # names are case-insensitive
    monkeypatch.setenv("NEWSFLOW_TEST_GUARANTEE", "at_least_once")  # reserved for the tests
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message and message.endswith("(and 1 more)")
    assert "NEWSFLOW_METRIC_PORT; did you mean NEWSFLOW_METRICS_PORT?" in message
    assert unknown_variables({"NEWSFLOW_WORKER_PROCESES": "1"}) == [
        "unknown setting NEWSFLOW_WORKER_PROCESES; did you mean NEWSFLOW_WORKER_PROCESSES?"
    ]


def test_every_field_has_its_variable_name() -> None:
    names = setting_names()
    assert names["NEWSFLOW_KAFKA_SASL_PASSWORD"] == ("kafka", "sasl_password")
    assert names["NEWSFLOW_LOG_LEVEL"] == ("log_level",)
    fields = sum(
        len(getattr(f.annotation, "model_fields", {})) or 1 for f in Settings.model_fields.values()
    )
    groups = sum(1 for f in Settings.model_fields.values() if hasattr(f.annotation, "model_fields"))
    assert len(names) == fields + groups
    assert unknown_variables(dict.fromkeys(names, "x")) == []


def test_choices_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_LOG_LEVEL", "INFO")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_MECHANISM", "scram-sha-512")
    monkeypatch.setenv("NEWSFLOW_WORKER_PROCESSING_GUARANTEE", "AT_LEAST_ONCE")
    s = load_settings()
    assert s.log_level == "info"
    assert (s.kafka.security_protocol, s.kafka.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert s.worker.processing_guarantee == "at_least_once"
    monkeypatch.setenv("NEWSFLOW_LOG_LEVEL", "loud")
    with pytest.raises(
        ConfigError, match=r"^invalid setting log_level \(NEWSFLOW_LOG_LEVEL\): Input should be"
    ):
        load_settings()


def test_the_config_file_sets_values_and_the_environment_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "newsflow.toml"
    path.write_text(
        'log_level = "DEBUG"\n[kafka]\nbootstrap = "file:9092"\nclient_id = "from-file"\n'
        "[topics]\npartitions = 8\n"
    )
    monkeypatch.setenv("NEWSFLOW_KAFKA_CLIENT_ID", "from-env")
    s = load_settings(path)
    assert (s.log_level, s.kafka.bootstrap, s.topics.partitions) == ("debug", "file:9092", 8)
    assert s.kafka.client_id == "from-env"
    assert Settings().kafka.bootstrap is None  # the file applies to that load only


def test_config_file_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "newsflow.toml"
    path.write_text('[kafka]\nbootstraps = "k:9092"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"unknown setting kafka.bootstraps in {path}; did you mean kafka.bootstrap?"
    )
    path.write_text("[kafka\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(path)
    path.write_text('[metrics]\nport = "high"\n')
    with pytest.raises(ConfigError, match=r"^invalid setting metrics\.port"):
        load_settings(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_unknown_names_in_dotenv_are_errors_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEWSFLOW_TOPICS_RAWW=x\n")
    with pytest.raises(ConfigError, match=r"NEWSFLOW_TOPICS_RAWW; did you mean .* \(in \.env\)"):
        load_settings()


def test_config_show_prints_effective_values_with_secrets_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "newsflow.toml"
    path.write_text('[serve]\ntoken = "file-token"\n[broker]\nscram_users = {alice = "pw1"}\n')
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_PASSWORD", "s3cret")
    monkeypatch.setenv("NEWSFLOW_TOPICS_RAW", "in.raw")
    assert main(["config", "show", "--config", str(path)]) == 0
    text = capsys.readouterr().out
    assert "s3cret" not in text and "file-token" not in text and "pw1" not in text
    lines = text.splitlines()
    assert "NEWSFLOW_TOPICS_RAW=in.raw" in lines
    assert "NEWSFLOW_KAFKA_SASL_PASSWORD=**********" in lines
    assert "NEWSFLOW_SERVE_TOKEN=**********" in lines
    assert "# NEWSFLOW_KAFKA_BOOTSTRAP is unset" in lines
    assert "NEWSFLOW_FEED_ALLOWED_HOSTS=[]" in lines
    assert main(["--config", str(path), "config", "show", "--json"]) == 0
    dumped = json.loads(capsys.readouterr().out)
    assert dumped["topics"]["raw"] == "in.raw"
    assert dumped["kafka"]["sasl_password"] == "**********"
    assert dumped["broker"]["scram_users"] == {"alice": "**********"}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NEWSFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:notaport",
         "NEWSFLOW_KAFKA_BOOTSTRAP): '127.0.0.1:notaport' is not host:port with a port 1-65535"),
        ("NEWSFLOW_KAFKA_BOOTSTRAP", "k1:9092,:9093", "':9093' is not host:port"),
        ("NEWSFLOW_KAFKA_CONNECT_TIMEOUT_SECONDS", "inf",
         "(NEWSFLOW_KAFKA_CONNECT_TIMEOUT_SECONDS): must be a finite number, not inf"),
        ("NEWSFLOW_FEED_TIMEOUT_SECONDS", "nan", "(NEWSFLOW_FEED_TIMEOUT_SECONDS):"),
        ("NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS", "inf", "must be a finite number, not inf"),
        ("NEWSFLOW_BROKER_SCRAM_USERS", '{"ann": ',
         "NEWSFLOW_BROKER_SCRAM_USERS is not valid JSON: Expecting value at character 8"),
        ("NEWSFLOW_FEED_ALLOWED_HOSTS", "[x", "NEWSFLOW_FEED_ALLOWED_HOSTS is not valid JSON"),
        ("NEWSFLOW_FEED_ALLOWED_HOSTS", "example.org", 'a list or table setting is JSON'),
        ("NEWSFLOW_TOPICS_RAW", "", "(NEWSFLOW_TOPICS_RAW): '' is no Kafka topic name"),
        ("NEWSFLOW_TOPICS_STANCE", "news stance", "'news stance' is no Kafka topic name"),
        ("NEWSFLOW_METRICS_PORT", "70000", "(NEWSFLOW_METRICS_PORT): Input should be less"),
        ("NEWSFLOW_SERVE_PORT", "0", "(NEWSFLOW_SERVE_PORT): Input should be greater"),
        ("NEWSFLOW_KAFKA_SSL_CAFILE", "/no/such/ca.pem", "no such file: /no/such/ca.pem"),
        ("NEWSFLOW_ENRICH_TARGETS_PATH", "/no/targets.yaml", "no such file: /no/targets.yaml"),
    ],
)  # fmt: skip
def test_malformed_settings_are_one_line_errors_naming_the_variable(
    variable: str, value: str, message: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(variable, value)
    assert main(["config", "show"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("newsflow: error: ") and captured.err.count("\n") == 1
    assert message in captured.err


def test_a_password_in_a_malformed_table_is_not_echoed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_BROKER_SCRAM_USERS", '{"ann": "s3cret-pw"')
    assert main(["config", "show"]) == 2
    assert "s3cret-pw" not in capsys.readouterr().err
