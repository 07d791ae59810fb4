"""The access log: one line per request through the logger "tauschring.access".

Each line names the method, the path, the status and the milliseconds until
the answer was sent. The query string is left out (it may hold secrets), and
a path segment that is a secret (the token of /password/reset/<token>, of
/email/confirm/<token>: any route argument whose name ends in "token") is
written as "***". `tauschring serve` writes the lines to its output as text or
as JSON lines ([server] log_format; a JSON line names the process that answered,
"pid", as `serve --workers N` runs several); under another server the logger is
Python logging's to configure.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Flask
from werkzeug.wsgi import ClosingIterator

access_log = logging.getLogger("tauschring.access")

MASK = "***"
LOG_FORMATS = ("text", "json", "off")
_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def init_access_log(app: Flask) -> None:
    """Log every request the app answers (outermost, so every answer is counted)."""
    app.wsgi_app = AccessLog(app.wsgi_app, lambda: secret_routes(app))


def secret_routes(app: Flask) -> list[re.Pattern]:
    """A pattern for each route with a secret argument; its secrets are groups named s0, s1..."""
    patterns = []
    for rule in app.url_map.iter_rules():
        pattern, secret, position, n = "", False, 0, 0
        for match in _ARGUMENT.finditer(rule.rule):
            pattern += re.escape(rule.rule[position:match.start()])
            if match.group(1).endswith("token"):
                pattern += f"(?P<s{n}>[^/]+)"
                secret, n = True, n + 1
            else:
                pattern += "[^/]+"
            position = match.end()
        if secret:
            patterns.append(re.compile(pattern))  # a prefix: /reset/<token>/more is masked too
    return patterns


def masked_path(path: str, patterns: list[re.Pattern]) -> str:
    for pattern in patterns:
        match = pattern.match(path)
        if match is None:
            continue
        spans = sorted(match.span(name) for name in match.groupdict())
        for start, end in reversed(spans):
            path = path[:start] + MASK + path[end:]
        break
    return path


def shown_path(environ: dict) -> str:
    """SCRIPT_NAME + PATH_INFO as text, percent-encoded where not plain (no line breaks)."""
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    try:
        data = raw.encode("latin-1")  # WSGI strings carry the request's bytes
    except UnicodeEncodeError:
        data = raw.encode("utf-8", "replace")
    return quote(data, safe="/:@!$&'()*+,;=-._~%")


class AccessLog:
    """WSGI middleware: the line is written once the answer has been sent."""

    def __init__(self, app, routes):
        self.app, self._routes, self._patterns = app, routes, None

    def patterns(self) -> list[re.Pattern]:
        if self._patterns is None:  # the routes are complete by the first request
            self._patterns = self._routes()
        return self._patterns

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {"status": 500}

        def start(status, headers, exc_info=None):
            try:
                seen["status"] = int(status.split(" ", 1)[0])
            except ValueError:
                pass
            return start_response(status, headers, exc_info)

        def write():
            if not access_log.isEnabledFor(logging.INFO):
                return
            milliseconds = round((time.perf_counter() - started) * 1000, 1)
            method = environ.get("REQUEST_METHOD", "-")
            path = masked_path(shown_path(environ), self.patterns())
            access_log.info("%s %s %s %sms", method, path, seen["status"], milliseconds,
                            extra={"method": method, "path": path, "status": seen["status"],
                                   "ms": milliseconds})

        try:
            answer = self.app(environ, start)
        except BaseException:
            write()
            raise
        return ClosingIterator(answer, [write])


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z"), "pid": record.process}
        for key in ("method", "path", "status", "ms"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if "method" not in line:
            line["message"] = record.getMessage()
        return json.dumps(line, ensure_ascii=False)


def log_requests_to(stream, log_format: str = "text") -> None:
    """`tauschring serve`: the access lines go to `stream`, as text or JSON lines."""
    for handler in list(access_log.handlers):
        access_log.removeHandler(handler)
    if log_format == "off":
        access_log.setLevel(logging.WARNING)
        return
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


QUEUE_SUMMARY = "Task queue depth is %d (the deepest; %d request(s) waited for a thread)"


class QueueDepthSummary(logging.Filter):
    """waitress warns "Task queue depth is N" for every request that finds all its
    threads busy: on a busy evening, hundreds of lines a second, each written while
    the requests wait. Instead: the first at once, then at most one line a minute
    with the deepest queue since the last line and how many requests waited (told
    when the minute is up, even if no request waits any more)."""

    def __init__(self, logger: logging.Logger, every: float = 60.0):
        super().__init__()
        self.logger, self.every = logger, every
        self._lock = threading.Lock()
        self._last: float | None = None
        self._deepest = self._waited = 0
        self._timer: threading.Timer | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "queue_summary", False):
            return True  # our own line (_tell)
        depth = record.args[0] if isinstance(record.args, tuple) and record.args else 0
        with self._lock:
            self._deepest, self._waited = max(self._deepest, depth), self._waited + 1
            now = time.monotonic()
            if self._last is None or now - self._last >= self.every:
                record.msg, record.args = QUEUE_SUMMARY, (self._deepest, self._waited)
                self._last, self._deepest, self._waited = now, 0, 0
                return True
            if self._timer is None:
                self._timer = threading.Timer(self._last + self.every - now, self._tell)
                self._timer.daemon = True
                self._timer.start()
            return False

    def _tell(self) -> None:
        with self._lock:
            self._timer = None
            if not self._waited:
                return
            told = (self._deepest, self._waited)
            self._last, self._deepest, self._waited = time.monotonic(), 0, 0
        self.logger.warning(QUEUE_SUMMARY, *told, extra={"queue_summary": True})


def summarise_queue_warnings() -> None:
    """`tauschring serve` (waitress): waitress's queue warnings at most once a minute."""
    queue_log = logging.getLogger("waitress.queue")
    if not any(isinstance(f, QueueDepthSummary) for f in queue_log.filters):
        queue_log.addFilter(QueueDepthSummary(queue_log))
