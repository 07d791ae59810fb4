"""`tauschring serve` runs `federation retry` every minute in a thread of its
own, once the instance has a federation key and a peer (cron may run it too:
every step is idempotent and decided under row locks)."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask

from tauschring.db import db
from tauschring.federation.models import Peer
from tauschring.federation.service import identity_of, retry
from tauschring.federation.signing import KeyMissing


class FederationWorker(threading.Thread):
    def __init__(self, app: Flask, interval: float = 60.0,
                 older_than: timedelta = timedelta(minutes=2)):
        super().__init__(name="tauschring-federation", daemon=True)
        self.app, self.interval, self.older_than = app, interval, older_than
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            with self.app.app_context():
                try:
                    if db.session.query(Peer.id).first() is None:
                        continue
                    me = identity_of(self.app.config["TAUSCHRING"])
                    counts = retry(me, older_than=self.older_than)
                    if counts["unreachable"]:
                        self.app.logger.warning("federation retry: %s", counts)
                except KeyMissing:
                    pass
                except Exception:  # keep the worker alive; the next round retries
                    self.app.logger.exception("federation retry failed")
                finally:
                    db.session.remove()
