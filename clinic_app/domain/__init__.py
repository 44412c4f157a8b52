"""Pure clinic rules: codes, validation, the scheduling engine, platelet bands, sites.

No Qt, no SQLAlchemy, no I/O here (a test enforces it), so every rule can be tested
in microseconds and reused by the GUI, the CLI and the printed documents alike.
"""
