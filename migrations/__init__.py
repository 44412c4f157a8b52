"""Alembic revisions, shipped inside the package as ``clinic_app.migrations``."""
