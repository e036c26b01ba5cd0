"""Small projects for tests, examples and benchmarks (shipped, like ``structlog.testing``).

``make_demo_project(path)`` builds a tiny two-dyad project (4 transcripts, the sample
codebook when available, three coders, a few codings) in a second or so.
"""

from __future__ import annotations

from pathlib import Path

from workbench.model import Code, Codebook, Theme
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import Project, create_project

__all__ = ["DEMO_CODEBOOK", "DEMO_CODERS", "demo_transcript", "make_demo_project"]

DEMO_CODERS = ("ana", "ben", "chloe")

DEMO_CODEBOOK = Codebook(
    name="Demo codebook",
    description="A small codebook for tests.",
    themes=(
        Theme("barriers", "Relational barriers", "What strains the relationship.", "#B2443A"),
        Theme("facilitators", "Relational facilitators", "What helps it.", "#1F77B4"),
    ),
    codes=(
        Code("withdrawal", "Withdrawal", "barriers", "The client distances or goes vague.",
             "#D62728", "Vague answers, topic shifts.", "Anxiety without distancing.",
             "I just went quiet."),
        Code("anxiety", "Anxiety", "barriers", "Fear about therapy or the therapist.",
             "#E6550D", "Worry, nervousness.", "Withdrawal without fear.", "I was so nervous."),
        Code("rupture", "Rupture", "barriers", "Strain in the relationship.", "#7F0000"),
        Code("repair", "Repair", "facilitators", "Strain noticed and addressed.", "#1F77B4"),
        Code("empathy", "Empathic listening", "facilitators", "Feeling understood.", "#6BAED6"),
    ),
)

_LINES = {
    "client": [
        ("00:01:10", "I remember feeling nervous. I did not know what she would think of me."),
        ("00:04:30", "I just went quiet there. It felt pointless to explain."),
        ("00:09:05", "She asked what had happened. I felt she really wanted to know."),
        ("00:15:40", "When she said that I felt judged. I wanted to leave."),
        ("00:21:00", "She said she had got it wrong. That mattered to me."),
    ],
    "therapist": [
        ("00:01:12", "I could see he was tense. I tried to slow down."),
        ("00:04:33", "Something shifted and he went quiet. I was not sure why."),
        ("00:09:00", "I wanted him to know I was listening. I asked gently."),
        ("00:18:20", "I worried I had pushed too hard. I doubted myself."),
        ("00:21:02", "I said I had got it wrong. I think that helped."),
    ],
}


def demo_transcript(dyad: str, session: int, perspective: str, *, outcome: str = "good") -> str:
    """The text of a small synthetic ``.ipr.txt`` transcript."""
    label = "C" if perspective == "client" else "T"
    name = "Client" if perspective == "client" else "Therapist"
    lines = [
        "---",
        "synthetic: true",
        "note: SYNTHETIC demo transcript for tests; not clinical data.",
        f"document: {dyad}_S{session}_{perspective}",
        f"dyad: {dyad}",
        f"session: {session}",
        f"perspective: {perspective}",
        f"participant: {label}{dyad[1:]}",
        "interview_date: 2026-03-02",
        f"outcome_group: {outcome}",
        "speakers:",
        "  R: {name: Researcher, role: interviewer}",
        f"  {label}: {{name: {name}, role: participant}}",
        "attributes:",
        "  orientation: integrative",
        "---",
        "R: Stop the video whenever you like.",
    ]
    for time, answer in _LINES[perspective]:
        lines += ["", f"[{time}]", "R: What was going on for you here?", f"{label}: {answer}"]
    return "\n".join(lines) + "\n"


def make_demo_project(target: str | Path, *, codings: bool = True) -> Project:
    """A project with dyads D1 (good) and D2 (poor), session 3, both perspectives.

    With ``codings``, three coders have coded the participant segments with realistic
    disagreement (chloe never codes withdrawal; ben adds anxiety to withdrawal).
    """
    project = create_project(target)
    parsed = [
        parse_ipr_text(demo_transcript(dyad, 3, perspective, outcome=outcome), source=f"{dyad}.txt")
        for dyad, outcome in (("D1", "good"), ("D2", "poor"))
        for perspective in ("client", "therapist")
    ]
    project.import_parsed(parsed, progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in DEMO_CODERS:
        project.add_coder(coder)
    if not codings:
        return project
    rules = {
        "nervous": ["anxiety"], "tense": ["anxiety"], "went quiet": ["withdrawal"],
        "pointless": ["withdrawal"], "wanted to know": ["empathy"], "listening": ["empathy"],
        "judged": ["rupture"], "got it wrong": ["repair"], "doubted": ["rupture"],
    }
    segments = project.segments(role="participant")
    for row in segments.itertuples():
        found = [code for cue, codes in rules.items() if cue in row.text for code in codes]
        for coder in DEMO_CODERS:
            chosen = list(found)
            if coder == "chloe":
                chosen = [c for c in chosen if c != "withdrawal"]
            if coder == "ben" and "withdrawal" in chosen:
                chosen.append("anxiety")
            if coder == "ben" and row.dyad == "D2" and "rupture" in chosen:
                chosen = ["withdrawal"]
            for code in dict.fromkeys(chosen):
                project.apply_code(int(row.segment_id), code, coder)
    return project
