"""Session-level SQL helpers shared by commands and queries, each run inside the
caller's transaction: slot capacity, the stock ledger, the audit log, settings, job runs.
"""
