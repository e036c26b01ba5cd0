"""Merge the two revisions made from 0002 in parallel: 0003a (coder coverage and
reliability rounds) and 0003b (codebook operations). Nothing to change: they touch
different tables and columns.

Revision ID: 0004
Revises: 0003a, 0003b
"""

from __future__ import annotations

revision = "0004"
down_revision = ("0003a", "0003b")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Both branches are applied; the merge itself changes nothing."""


def downgrade() -> None:
    """Going back would split the history again; restore the backup instead."""
    raise NotImplementedError("downgrade is not supported; restore the backup copy.")
