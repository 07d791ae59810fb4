"""`tauschring serve --workers N`: several processes under gunicorn (POSIX, PostgreSQL).

One process (waitress, threads) is the default and the only choice for SQLite
and Windows: SQLite lets one writer in at a time, so more processes would
only queue on its file lock, and gunicorn runs on POSIX only. With PostgreSQL
several processes use both cores for the Python work of many rings at once.

What the processes must share lives in the database, not in a process:
log-in throttling (login_failures), Idempotency-Keys (idempotent_responses),
the mail queue's claims, the sessions' ends. The app is built once in the
master (`preload_app`), so every worker has the same secret key and settings;
each worker opens its own database connections after the fork.
"""

from __future__ import annotations

import os
import socket
import sys

import click
from flask import Flask

WORKERS_NEED = ("--workers above 1 needs PostgreSQL: SQLite takes one writer at a time, so "
                "more processes would only queue on its file")
WORKERS_POSIX = "--workers above 1 needs gunicorn, which runs on POSIX systems only"


def refuse_workers(app: Flask, workers: int) -> None:
    """A clear one-line refusal where several processes cannot help."""
    if workers <= 1:
        return
    if os.name != "posix":
        raise click.ClickException(WORKERS_POSIX)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise click.ClickException(WORKERS_NEED)


def check_port_free(host: str, port: int) -> None:
    """gunicorn retries a taken port for seconds; tell it at once, in one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def run_gunicorn(app: Flask, host: str, port: int, workers: int, threads: int,
                 announce) -> None:
    """Serve `app` (built in this, the master process) with `workers` processes of
    `threads` threads each; `announce()` is called once the address is ours."""
    from gunicorn.app.base import BaseApplication

    from tauschring.db import db
    from tauschring.federation.worker import FederationWorker
    from tauschring.mail.sender import MailWorker

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def post_fork(_server, _worker):
        # Connections are the worker's own, never one inherited from the master.
        with app.app_context():
            db.engine.dispose(close=False)

    def post_worker_init(_worker):
        # Every worker sends mail; the queue's claims in the database keep a
        # message from going out twice. Federation retries likewise: every step
        # is decided under row locks.
        MailWorker(app).start()
        FederationWorker(app).start()

    def when_ready(_server):
        announce()

    options = {
        "bind": [bind], "workers": workers, "threads": threads,
        "worker_class": "gthread", "preload_app": True, "accesslog": None,
        "errorlog": "-", "loglevel": "warning", "timeout": 120, "graceful_timeout": 20,
        "post_fork": post_fork, "post_worker_init": post_worker_init,
        "when_ready": when_ready, "proc_name": "tauschring",
    }

    class Gunicorn(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    sys.argv = sys.argv[:1]  # gunicorn must not read the click arguments as its own
    Gunicorn().run()
