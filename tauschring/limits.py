"""The largest numbers Tauschring takes, for the pages, the API and the command
line alike: beyond them input is refused as bad input instead of failing in
the database."""

from __future__ import annotations

# Ids are INTEGER columns: 32-bit signed on PostgreSQL.
ID_MAX = 2**31 - 1
# Balances and limits: the largest whole number every JSON client reads exactly
# (JavaScript numbers), far inside the 64-bit BIGINT columns.
MINUTES_MAX = 2**53 - 1
