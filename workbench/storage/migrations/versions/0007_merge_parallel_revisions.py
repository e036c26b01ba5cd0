"""Merge the revisions made from 0005d in parallel: 0006a (REFI-QDA identities), 0006b
(consensus decisions) and 0006d (coder roles and audit owners). Nothing to change: they
touch different tables and columns.

Revision ID: 0007
Revises: 0006a, 0006b, 0006d
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0006a", "0006b", "0006d")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Every branch is applied; the merge itself changes nothing."""


def downgrade() -> None:
    """Going back would split the history again; restore the backup instead."""
    raise NotImplementedError("downgrade is not supported; restore the backup copy.")
