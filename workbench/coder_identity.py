"""Who is coding: the coder's name from the environment, never silently a sample coder.

The coding panel codes as one person. :func:`resolve_coder` decides who, in this order:

1. the ``coder`` argument (a notebook cell that names the coder);
2. ``WORKBENCH_CODER`` (set by the researcher, e.g. in the shell that starts JupyterLab);
3. ``JUPYTERHUB_USER`` (set by JupyterHub for every user of a team deployment);
4. nobody: the panel then asks (:class:`CoderPrompt`) and codes nothing until answered.

A name found this way that the project does not know yet is registered as a plain coder
(audited, and said in :attr:`CoderChoice.message`); a reviewer is made only explicitly
(``project.set_coder_role(name, "reviewer")`` or ``workbench coder add --reviewer``).

Names are shown *inert* (:func:`inert`): Unicode bidirectional controls (e.g. U+202E
RIGHT-TO-LEFT OVERRIDE, which makes "leila", U+202E, "gnp.exe" read as "leilaexe.png") and
other invisible format characters are replaced by a visible ``<U+202E>`` so a name
cannot disguise itself or reorder the text around it.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import UsageError

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = ["CODER_VARIABLES", "CoderChoice", "CoderPrompt", "inert", "resolve_coder"]

#: Environment variables read for the coder's name, first found wins.
CODER_VARIABLES = ("WORKBENCH_CODER", "JUPYTERHUB_USER")


def inert(text: str) -> str:
    """``text`` with every format character (Unicode category Cf: bidi embeddings,
    overrides and isolates, zero-width joiners, marks) shown as ``<U+XXXX>``."""
    if all(unicodedata.category(ch) != "Cf" for ch in text):
        return text
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) == "Cf" else ch
                   for ch in text)


@dataclass(frozen=True)
class CoderChoice:
    """Who codes, and where that came from."""

    coder: str | None
    """The coder's name, or None when nobody was found and the panel must ask."""
    source: str
    """``"argument"``, ``"WORKBENCH_CODER"``, ``"JUPYTERHUB_USER"`` or ``"none"``."""
    registered: bool = False
    """True if the name was registered in the project just now."""

    @property
    def message(self) -> str:
        """One line for the panel's status."""
        if self.coder is None:
            return ("Who is coding? Type your coder name (or set WORKBENCH_CODER before "
                    "starting JupyterLab).")
        where = "" if self.source == "argument" else f" (from {self.source})"
        new = "; registered as a new coder" if self.registered else ""
        return f"coding as {inert(self.coder)}{where}{new}"


def _clean(name: str, source: str) -> str:
    name = name.strip()
    if not name:
        raise UsageError(f"the coder name from {source} is blank; give a name.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise UsageError(f"the coder name from {source} holds a control character "
                         f"({inert(name)!r}); give a plain name.")
    return name


def resolve_coder(
    project: Project,
    coder: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> CoderChoice:
    """Who codes (see the module docstring); registers a new name as a plain coder."""
    env = os.environ if environ is None else environ
    source, name = "none", None
    if coder is not None:
        source, name = "argument", coder
    else:
        for variable in CODER_VARIABLES:
            if env.get(variable, "").strip():
                source, name = variable, env[variable]
                break
    if name is None:
        return CoderChoice(None, "none")
    name = _clean(name, source)
    registered = name not in project.coders()
    if registered:
        project.add_coder(name)
    return CoderChoice(name, source, registered)


class CoderPrompt:
    """The panel's question "who is coding?", as plain state (tested without a browser).

    :meth:`answer` takes the typed name; :attr:`choice` is then set (the name registered
    if new), and :attr:`error` holds the message of a name that cannot be used.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.choice: CoderChoice | None = None
        self.error = ""

    @property
    def known(self) -> list[str]:
        """Registered coder names, shown inert, to pick from."""
        return [inert(name) for name in self.project.coders()]

    def answer(self, name: str) -> CoderChoice | None:
        """Take the typed name; returns the choice, or None (see :attr:`error`)."""
        try:
            self.choice = resolve_coder(self.project, name)
        except UsageError as exc:
            self.error = str(exc)
            return None
        self.error = ""
        return self.choice
