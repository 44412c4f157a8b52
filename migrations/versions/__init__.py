"""Alembic revision files (Alembic skips this module)."""
