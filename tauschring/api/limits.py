"""Input no API endpoint can take, refused as bad input (422) before it reaches
a query: text with NUL, numbers beyond what JSON clients read exactly. The
bounds themselves (ID_MAX, MINUTES_MAX) are tauschring/limits.py's."""

from __future__ import annotations

from tauschring.i18n import _l
from tauschring.limits import MINUTES_MAX

NUL_CHARACTER = "nul_character"
NUMBER_OUT_OF_RANGE = "number_out_of_range"
MESSAGES = {
    NUL_CHARACTER: _l("Text must not contain NUL characters."),
    NUMBER_OUT_OF_RANGE: _l("Numbers must lie between %(low)d and %(high)d (what every "
                            "JSON client reads exactly).", low=-MINUTES_MAX, high=MINUTES_MAX),
}


def first_unfit_value(value) -> tuple[str, str] | None:
    """(path, code) of the first value no endpoint can take, if any; the codes
    are NUL_CHARACTER and NUMBER_OUT_OF_RANGE, their messages in MESSAGES.

    Text with NUL (PostgreSQL cannot store it) and whole numbers beyond what
    JSON clients read exactly (I-JSON, RFC 7493) are refused up front, for
    every endpoint, before they reach a query. The walk is iterative, so no
    nesting depth can exhaust the stack.
    """
    pending = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path or "_body", NUL_CHARACTER
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -MINUTES_MAX <= item <= MINUTES_MAX:
                return path or "_body", NUMBER_OUT_OF_RANGE
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    return name, NUL_CHARACTER
                pending.append((name, child))
        elif isinstance(item, list):
            pending.extend((f"{path}.{i}" if path else str(i), child)
                           for i, child in reversed(list(enumerate(item))))
    return None
