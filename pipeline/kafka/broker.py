"""The embedded single-node Apache Kafka (KRaft) behind ``newsflow kafka start|stop|status``.

Jars come from Maven Central once (``pipeline/data/kafka-pom.xml``) and are cached under
``<state_dir>/kafka/jars``; ``KAFKA_HOME`` (an unpacked distribution) is used instead when set.
The broker listens on 127.0.0.1 only and logs to ``<state_dir>/kafka/server.log``. An optional
SASL_PLAINTEXT listener (SCRAM-SHA-256/-512) with its users is set up by
``LocalBroker(settings, scram_users=..., sasl_port=...)``; see :mod:`pipeline.kafka.broker_config`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import BrokerError, ConfigError, SetupError
from pipeline.kafka.broker_config import render, server_properties, upsert_scram_users

KAFKA_MAIN = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
# The JVM's flags besides -Xmx (NEWSFLOW_BROKER_HEAP). scripts/bench_txn_cost.py --variants
# compares others on the broker's CPU per transaction (docs/performance.md).
JVM_OPTIONS = ("-Xms128m", "-XX:+UseG1GC")


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str
    log_file: Path
    managed: bool  # False when another process (not ours) answers on the port
    sasl_bootstrap: str | None = None  # the SASL_PLAINTEXT (SCRAM) listener, when configured


def _data_file(name: str) -> Path:
    return Path(str(resources.files("pipeline") / "data" / name))


def require_tool(name: str, hint: str) -> str:
    """Path of an executable, or a one-line SetupError naming what to install."""
    path = shutil.which(name)
    if path is None:
        raise SetupError(f"'{name}' not found on PATH: {hint}")
    return path


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, url-safe base64 without padding. Never starting
    with '-' (one draw in 64 would), which the storage tool would read as an option; Kafka's
    own Uuid.randomUuid draws again in that case too."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class LocalBroker:
    """Start, stop and inspect the embedded broker. All paths live under the state dir.

    ``sasl_port`` adds a SASL_PLAINTEXT listener (SCRAM-SHA-256 and -512) on that port;
    ``scram_users`` (name → password) are created or updated on every :meth:`start`. The
    listener is part of ``server.properties``, which each start rewrites: start without
    ``sasl_port`` (e.g. ``newsflow kafka start``) and the SASL listener is gone; the users stay.

    ``jvm_options`` replace the JVM flags besides -Xmx and ``properties`` add to or override
    ``server.properties``: for measuring the broker's settings (``scripts/bench_txn_cost.py``).
    """

    def __init__(
        self,
        settings: Settings,
        scram_users: dict[str, str] | None = None,
        sasl_port: int | None = None,
        jvm_options: Sequence[str] = JVM_OPTIONS,
        properties: Mapping[str, str] | None = None,
    ) -> None:
        # Arguments (tests) win over settings (NEWSFLOW_BROKER_SASL_PORT / _SCRAM_USERS).
        scram_users = scram_users if scram_users is not None else settings.broker.scram_user_map()
        sasl_port = sasl_port if sasl_port is not None else settings.broker.sasl_port
        if scram_users and sasl_port is None:
            raise ConfigError("SCRAM users need a SASL listener: set NEWSFLOW_BROKER_SASL_PORT")
        self.settings = settings
        self.scram_users = dict(scram_users)
        self.sasl_port = sasl_port
        self.jvm_options = tuple(jvm_options)
        self.extra_properties = dict(properties or {})  # over server_properties' own
        self.home = (settings.state_dir / "kafka").resolve()
        self.jars = self.home / "jars"
        self.data = self.home / "data"
        self.log_file = self.home / "server.log"
        self.pid_file = self.home / "broker.pid"
        self.properties = self.home / "server.properties"

    # -- public -----------------------------------------------------------------------------
    def status(self) -> BrokerStatus:
        pid = self._live_pid()
        b = self.settings.broker
        answering = port_open(b.host, b.port)
        return BrokerStatus(
            running=answering,
            pid=pid,
            bootstrap=f"{b.host}:{b.port}",
            log_file=self.log_file,
            managed=pid is not None,
            sasl_bootstrap=f"{b.host}:{self.sasl_port}" if self.sasl_port is not None else None,
        )

    def start(self) -> BrokerStatus:
        """Start the broker unless it already runs; return once it answers (and its SCRAM
        users can log in)."""
        current = self.status()
        if current.running:
            self._check_sasl_listener()
            self._add_users()
            return current
        java = require_tool("java", "install a Java 17 runtime (apt-get install openjdk-17-jre)")
        classpath = self.classpath()
        self.home.mkdir(parents=True, exist_ok=True)
        self._write_properties()
        if not (self.data / "meta.properties").exists():
            self._format_storage(java, classpath)
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        process = self._spawn(java, classpath)
        self._wait_until_answering(process, log_offset)
        self._check_sasl_listener()
        self._add_users()
        return self.status()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop our broker (SIGTERM, then SIGKILL after ``timeout``); False if none ran."""
        pid = self._live_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def classpath(self) -> str:
        """``$KAFKA_HOME/libs/*`` when set, else the Maven-resolved jar cache."""
        kafka_home = os.environ.get("KAFKA_HOME")
        if kafka_home:
            libs = Path(kafka_home) / "libs"
            if not libs.is_dir():
                raise SetupError(f"KAFKA_HOME={kafka_home} has no libs/ folder")
            return f"{libs}/*"
        self._resolve_jars()
        return f"{self.jars}/*"

    # -- steps ------------------------------------------------------------------------------
    def _check_sasl_listener(self) -> None:
        host = self.settings.broker.host
        if self.sasl_port is not None and not port_open(host, self.sasl_port):
            raise BrokerError(
                f"the broker runs but nothing answers on its SASL port {host}:{self.sasl_port}; "
                "stop it (newsflow kafka stop) and start it with the SASL listener"
            )

    def _add_users(self) -> None:
        if self.scram_users:
            upsert_scram_users(self.settings, self.scram_users)

    def _resolve_jars(self) -> None:
        pom = _data_file("kafka-pom.xml")
        stamp = self.jars / ".pom-sha256"
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()
        if stamp.exists() and stamp.read_text() == digest:
            return
        mvn = require_tool("mvn", "install Maven (apt-get install maven) or set KAFKA_HOME")
        if self.jars.exists():
            shutil.rmtree(self.jars)
        self.jars.mkdir(parents=True)
        command = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={self.jars}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stdout + result.stderr).strip().splitlines()[-1:] or ["no output"]
            raise BrokerError(f"Maven could not resolve the Kafka jars: {last[0]}")
        stamp.write_text(digest)

    def _write_properties(self) -> None:
        props = server_properties(self.settings, self.data, self.sasl_port)
        self.properties.write_text(render({**props, **self.extra_properties}))

    def _java_command(self, java: str, classpath: str, main: str, *args: str) -> list[str]:
        log4j = _data_file("log4j2.properties")
        heap = self.settings.broker.heap
        return [
            java,
            f"-Xmx{heap}",
            *self.jvm_options,
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            classpath,
            main,
            *args,
        ]

    def _format_storage(self, java: str, classpath: str) -> None:
        """Format the data directory; on a failure, once more with the jars copied afresh.

        Why: the storage tool once failed in a test run with a Java exception and passed on
        the rerun; a jar set copied while another process wrote the local Maven repository
        is the one input that differs between the two, and formatting is idempotent
        (``--ignore-formatted``). A second failure is reported with its cause."""
        try:
            self._format(java, classpath)
        except BrokerError:
            (self.jars / ".pom-sha256").unlink(missing_ok=True)
            self._format(java, self.classpath())

    def _format(self, java: str, classpath: str) -> None:
        command = self._java_command(
            java,
            classpath,
            STORAGE_TOOL,
            "format",
            "-t",
            new_cluster_id(),
            "-c",
            str(self.properties),
            "--ignore-formatted",
        )
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BrokerError(f"formatting KRaft storage failed: {_reason(result.stderr)}")

    def _spawn(self, java: str, classpath: str) -> subprocess.Popen[bytes]:
        command = self._java_command(java, classpath, KAFKA_MAIN, str(self.properties))
        with open(self.log_file, "ab") as log:
            # A new session: the broker outlives this CLI and ignores the terminal's Ctrl-C.
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pid_file.write_text(str(process.pid))
        return process

    def _wait_until_answering(self, process: subprocess.Popen[bytes], log_offset: int) -> None:
        b = self.settings.broker
        deadline = time.monotonic() + b.start_timeout_seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise BrokerError(
                    f"broker exited with code {process.returncode}; see {self.log_file}: "
                    f"{_reason(self.log_file.read_text(errors='replace'))}"
                )
            if port_open(b.host, b.port) and _log_says_started(self.log_file, log_offset):
                return
            time.sleep(0.3)
        raise BrokerError(f"broker did not answer on {b.host}:{b.port}; see {self.log_file}")

    def _live_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _log_says_started(log_file: Path, offset: int) -> bool:
    """True once this run's part of the log (from ``offset``) says the server started."""
    try:
        with open(log_file, "rb") as f:
            f.seek(offset)
            return b"Kafka Server started" in f.read()
    except OSError:
        return False


def _reason(text: str) -> str:
    """The line of a Java program's output that says why it failed: the innermost "Caused
    by:", else the last line that is not a stack frame ("\tat ...", "\t... 8 more", which
    says nothing)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    causes = [line for line in lines if line.startswith("Caused by:")]
    if causes:
        return causes[-1]
    said = [line for line in lines if not line.startswith(("at ", "..."))]
    return said[-1] if said else "no output"
