"""The annual report of a ring: members, exchanges, disputes, fees, the trial
balance at the year's end and the chain head (JSON, CSV, PDF with charts)."""
