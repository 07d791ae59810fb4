"""Yearly statements of account: what an account held on 1 January, every entry
of the year with its running balance, what it held on 31 December, and the
ring's chain head at the year's end so an auditor can check it (CSV, PDF, ZIP)."""
