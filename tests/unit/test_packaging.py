"""The image builds its dependency layer before the code and runs as a non-root user with
a health check; compose checks readiness where it matters."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dependencies_install_before_the_code_is_copied() -> None:
    deps = DOCKERFILE.index("pip install -c constraints.txt '.[worker]'")
    assert DOCKERFILE.index("COPY pyproject.toml constraints.txt") < deps
    assert deps < DOCKERFILE.index("COPY pipeline ./pipeline")
    assert "pip install --no-deps ." in DOCKERFILE  # the code layer installs no dependency
    assert (ROOT / ".dockerignore").read_text().split().count(".venv") == 1


def test_runtime_user_health_check_and_unbuffered_output() -> None:
    user = re.search(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert user is not None and user.group(1) not in ("root", "0")
    assert re.search(r"^ENV PYTHONUNBUFFERED=1\b", DOCKERFILE, re.MULTILINE)
    health = re.search(r"^HEALTHCHECK .*\n\s+CMD (.*)$", DOCKERFILE, re.MULTILINE)
    assert health is not None and "/healthz" in health.group(1)
    assert "NEWSFLOW_METRICS_PORT" in health.group(1)
    assert DOCKERFILE.index("USER ") < DOCKERFILE.index("HEALTHCHECK")
