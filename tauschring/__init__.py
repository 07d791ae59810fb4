"""Tauschring: time bank software with a double-entry ledger of time credits."""

__version__ = "0.1.0"
