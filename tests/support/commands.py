"""What the command-line tests share."""

from __future__ import annotations

import subprocess


def refused(done: subprocess.CompletedProcess) -> str:
    """Non-zero exit, exactly one line on stderr, no traceback: that line."""
    shown = f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert done.returncode != 0, shown
    assert "Traceback" not in done.stdout + done.stderr, shown
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    return lines[0]
