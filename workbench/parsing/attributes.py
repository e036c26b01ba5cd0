"""Validate case attributes (front matter, attribute sheets) into :class:`CaseAttributes`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from workbench.errors import suggest
from workbench.model import PERSPECTIVES, CaseAttributes

__all__ = ["MAX_SESSION", "STANDARD_KEYS", "case_attributes", "suggest"]

MAX_SESSION = 100_000
"""Largest accepted session number (a larger one is a typo, and overflows the database)."""

STANDARD_KEYS = ("dyad", "session", "perspective", "participant", "interview_date", "outcome_group")


def case_attributes(
    values: Mapping[str, object],
    extra: Mapping[str, object],
    fail: Callable[[str], Exception],
) -> CaseAttributes:
    """Check the standard attributes in ``values`` and build :class:`CaseAttributes`.

    ``fail(message)`` makes the exception to raise, so callers can add file and line.
    """
    for key in ("dyad", "session", "perspective"):
        if values.get(key) in (None, ""):
            raise fail(f"case attribute {key!r} is missing; add it (e.g. `{key}: ...`).")
    dyad = str(values["dyad"]).strip()
    try:
        session = int(str(values["session"]).strip())
    except ValueError:
        raise fail(
            f"session must be a whole number (the therapy session recalled), not "
            f"{values['session']!r}."
        ) from None
    if not 0 <= session <= MAX_SESSION:
        raise fail(
            f"session must be between 0 and {MAX_SESSION:,} (the therapy session recalled), "
            f"not {values['session']!r}."
        )
    perspective = str(values["perspective"]).strip().lower()
    if perspective not in PERSPECTIVES:
        raise fail(
            f"perspective must be 'client' or 'therapist', not {values['perspective']!r}"
            + suggest(perspective, PERSPECTIVES)
            + "."
        )
    date_value = values.get("interview_date")
    interview_date: dt.date | None
    if date_value in (None, ""):
        interview_date = None
    elif isinstance(date_value, dt.datetime):
        interview_date = date_value.date()
    elif isinstance(date_value, dt.date):
        interview_date = date_value
    else:
        try:
            interview_date = dt.date.fromisoformat(str(date_value).strip())
        except ValueError:
            raise fail(
                f"interview_date {date_value!r} is not a date; write it as YYYY-MM-DD."
            ) from None
    participant = values.get("participant")
    outcome = values.get("outcome_group")
    return CaseAttributes(
        dyad=dyad,
        session=session,
        perspective=perspective,
        participant=None if participant in (None, "") else str(participant),
        interview_date=interview_date,
        outcome_group=None if outcome in (None, "") else str(outcome).strip(),
        extra={str(k): "" if v is None else str(v) for k, v in extra.items()},
    )
