"""What the benchmarks share: a real `tauschring serve` subprocess on a free port."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) a process and its children (gunicorn's workers)
    have used so far, from /proc (Linux): what the server spends, whatever else the
    machine runs. None when there is no such process."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
            found = True
    return total if found else None


def tauschring_command() -> list[str]:
    """The installed `tauschring` beside this Python, else the module."""
    command = shutil.which("tauschring", path=str(Path(sys.executable).parent))
    return [command] if command else [sys.executable, "-m", "tauschring.cli"]


@contextlib.contextmanager
def serving(cwd: Path, env: dict, extra: list[str] = ()):
    """`tauschring serve` in cwd (its output in cwd/serve.log); yields (base URL,
    process) once /healthz answers, and stops the server afterwards."""
    import requests

    port = free_port()
    logfile = open(cwd / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([*tauschring_command(), "serve", "--host", "127.0.0.1", "--port",
                             str(port), *extra], cwd=cwd, env=env, stdout=logfile,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tauschring serve exited: {(cwd / 'serve.log').read_text()}")
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tauschring serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        logfile.close()
