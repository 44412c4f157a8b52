"""SQLAlchemy 2.0 models, the engine with its pragmas, the unit of work and queries.

Only services import this package; the GUI receives plain dataclasses instead.
"""
