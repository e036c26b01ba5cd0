"""Merge the revisions made from 0005d in parallel: 0006a (REFI-QDA identities), 0006b
(consensus decisions), 0006c (CQR domains, core ideas, audit comments) and 0006d (coder
roles and audit owners). Nothing to change: they touch different tables and columns.

Revision ID: 0007
Revises: 0006a, 0006b, 0006c, 0006d
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0006a", "0006b", "0006c", "0006d")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Every branch is applied; the merge itself changes nothing."""


def downgrade() -> None:
    """Nothing to undo: the merge changes nothing (each branch's downgrade undoes its own)."""
