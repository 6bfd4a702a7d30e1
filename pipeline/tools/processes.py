"""Child processes of the side tools (demo, bench): how to stop a worker they started."""

from __future__ import annotations

import signal
import subprocess


def stop_gracefully(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM (a worker commits and exits), then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
