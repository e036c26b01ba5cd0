"""A small hand-made IPR transcript with known codings, shared by the retrieval tests.

Segments (document index: text): 0 "Stop whenever you like." (interviewer), 1 "What was
going on?" (interviewer, stop 00:01:00), 2 "I felt tense.", 3 "I went quiet.", 4 "She
noticed." (the client's turn 2), 5 "And then?" (interviewer, stop 00:02:00), 6 "I was
feeling judged.", 7 "Then we talked it through.", 8 "Feelings settle." (the client's turn 4).
"""

from __future__ import annotations

from workbench import Project
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import DEMO_CODEBOOK

DOC = "R1_client"
OTHER = "R2_client"

TRANSCRIPT = """---
document: {name}
dyad: {dyad}
session: 1
perspective: client
participant: C1
speakers:
  R: {{name: Researcher, role: interviewer}}
  C: {{name: Client, role: participant}}
---
R: Stop whenever you like.

[00:01:00]
R: What was going on?
C: I felt tense. I went quiet. She noticed.

[00:02:00]
R: And then?
C: I was feeling judged. Then we talked it through. Feelings settle.
"""

#: (coder, code, quoted text, occurrence) coded on the first document.
CODINGS = (
    ("ana", "anxiety", "I felt tense."),
    ("ana", "withdrawal", "I went quiet."),
    ("ana", "rupture", "I was feeling judged."),
    ("ana", "repair", "Then we talked it through."),
    ("ben", "anxiety", "tense"),
    ("ben", "withdrawal", "I went quiet. She noticed."),
    ("ben", "rupture", "judged"),
)


def span(text: str, quote: str) -> tuple[int, int]:
    """The offsets of the first occurrence of ``quote`` in ``text``."""
    start = text.index(quote)
    return start, start + len(quote)


def build(project: Project, *, second: bool = False) -> Project:
    """Import the transcript (and a second copy, uncoded, with ``second``), load the demo
    codebook, register ana, ben and chloe, and apply :data:`CODINGS`."""
    names = [(DOC, "R1")] + ([(OTHER, "R2")] if second else [])
    project.import_parsed([parse_ipr_text(TRANSCRIPT.format(name=n, dyad=d), source=f"{n}.txt")
                           for n, d in names], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in ("ana", "ben", "chloe"):
        project.add_coder(coder)
    text = project.document_text(DOC)
    project.apply_ranges([(DOC, *span(text, quote), code, coder, "")
                          for coder, code, quote in CODINGS])
    return project
