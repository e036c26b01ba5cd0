"""A small team project with a settled consensus on two documents (calibration, exchange)."""

from __future__ import annotations

from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import Project, create_project
from workbench.testing import DEMO_CODEBOOK, demo_transcript

A, B, C, D = (f"D{i}_S3_client" for i in range(1, 5))
PANEL = ["maria", "tom"]
NINA = {  # the coder in training: some agree with the consensus, some do not
    A: [(110, 137, "anxiety"), (270, 299, "withdrawal"), (608, 638, "repair"),
        (393, 426, "empathy")],
    B: [(138, 180, "anxiety"), (364, 392, "empathy"), (639, 659, "repair"),
        (245, 269, "withdrawal")],
    C: [(110, 137, "anxiety")],
}


def build(location: str) -> Project:
    project = create_project(location)
    project.import_parsed([parse_ipr_text(demo_transcript(f"D{i}", 3, "client"),
                                          source=f"D{i}.txt") for i in range(1, 5)],
                          progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in (*PANEL, "nina"):
        project.add_coder(coder)
    apply = project.apply_range
    for coder in PANEL:
        apply(A, 110, 137, "anxiety", coder)
        apply(A, 245, 269, "withdrawal", coder)
        apply(A, 608, 638, "repair", coder)
        apply(B, 138, 180, "anxiety", coder)
        apply(B, 364, 392, "empathy", coder)
    apply(A, 491, 524, "rupture", "maria")
    apply(A, 393, 426, "empathy", "tom")
    apply(B, 608, 638, "repair", "maria")
    apply(B, 608, 659, "repair", "tom")
    apply(C, 110, 137, "anxiety", "maria")  # stays open
    items = project.consensus_items(coders=PANEL)

    def item(doc: str, code: str) -> str:
        row = items[(items["document"] == doc) & (items["code"] == code)]
        return str(row["item_id"].iat[0])

    project.decide(item(A, "rupture"), "apply", coders=PANEL, decided_by="team")
    project.decide(item(A, "empathy"), "reject", coders=PANEL, decided_by="team")
    project.decide(item(B, "repair"), "apply", start=608, end=638, coders=PANEL,
                   decided_by="team")
    for doc, rows in NINA.items():
        for start, end, code in rows:
            apply(doc, start, end, code, "nina")
    return project
