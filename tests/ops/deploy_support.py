"""What the deployment tests share: the guide's blocks, free ports, a
self-signed certificate, HTTP(S) requests that name any host, a waiting
server, and stand-ins for the commands that manage a real machine.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTRIB = REPO / "contrib"
GUIDE = REPO / "docs" / "deploy.md"
EXAMPLE_CONFIG = REPO / "config.example.toml"
HOST = "tausch.example.org"

# A marked block: <!-- deploy-test: NAME [sqlite|postgresql] --> then ```sh or ```toml.
_MARKED = re.compile(r"<!-- deploy-test: ([a-z-]+)(?: (sqlite|postgresql))? -->\n"
                     r"```(sh|toml)\n(.*?)```", re.S)
_ANY_BLOCK = re.compile(r"^```(sh|toml)\n", re.M)


@dataclass
class Block:
    name: str
    engine: str | None  # None: both engines
    language: str
    text: str


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    return [Block(name, engine or None, language, body)
            for name, engine, language, body in _MARKED.findall(text)]


def unmarked_blocks() -> list[str]:
    """The first line of every sh/toml block of the guide without its marker."""
    text = GUIDE.read_text(encoding="utf-8")
    marked = {m.start(3) - 3 for m in _MARKED.finditer(text)}
    return [text[m.end():].split("\n", 1)[0] for m in _ANY_BLOCK.finditer(text)
            if m.start() not in marked]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path, host: str = HOST) -> tuple[Path, Path]:
    """A certificate and key for `host` (openssl), as fullchain.pem and privkey.pem."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def request(port: int, path: str = "/", *, host: str = HOST, tls: bool = False,
            method: str = "GET", headers: dict | None = None, body: bytes | None = None,
            server_name: str | None = None, source: str | None = None,
            ) -> tuple[int, dict, bytes, list[str]]:
    """One request to 127.0.0.1:port naming `host`: (status, headers, body, set-cookies).

    With tls, the certificate is not checked (self-signed) and SNI is `server_name`
    (default: `host`); `source` is the client's own address (one of 127.0.0.0/8)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30,
                                    source_address=(source, 0) if source else None)
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=server_name or host.split(":")[0])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.sock = sock
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        data = answer.read()
        cookies = answer.headers.get_all("Set-Cookie") or []
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, data, cookies
    finally:
        connection.close()


def wait_until_answering(port: int, process: subprocess.Popen | None = None,
                         seconds: float = 90, host: str = "127.0.0.1",
                         path: str = "/healthz", tls: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request(port, path, host=host, tls=tls)
            return
        except OSError:
            if process is not None and process.poll() is not None:
                raise AssertionError(f"the process stopped (exit {process.returncode})") from None
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"nothing answered on port {port} within {seconds} s") from None
            time.sleep(0.3)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def nginx_main_config(prefix: Path, include: str) -> Path:
    """A main nginx.conf like Debian's, everything inside `prefix`, that includes `include`."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "temp" / name).mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {include};
}}
""")
    return config


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CADDY = shutil.which("caddy") or "/usr/bin/caddy"


def have(program: str) -> bool:
    return Path(program).is_file() and os.access(program, os.X_OK)


def require(program: str, package: str) -> None:
    """Skip without `program` (fail under scripts/test, which installs it)."""
    if have(program):
        return
    import pytest

    from tests.support.databases import STRICT

    reason = (f"{package} is not installed (apt-get install {package}; scripts/test "
              f"installs it)")
    if STRICT:
        pytest.fail(reason)
    pytest.skip(reason)


def write_script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def python_shebang() -> str:
    return f"#!{sys.executable}\n"
