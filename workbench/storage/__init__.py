"""Storage: the only layer that speaks SQL (SQLAlchemy Core, Alembic migrations)."""

from workbench.storage.engine import Store, open_store

__all__ = ["Store", "open_store"]
