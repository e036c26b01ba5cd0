"""The import pipeline: from parsed transcripts to stored documents, turns and segments.

``segmentation`` (spaCy: turns -> sentences) -> ``importer`` (batch checks, then spaCy a
chunk at a time) -> ``storage_sink`` (a worker thread, or a child process for large
imports, ``python -m workbench.importing.storage_sink``) -> ``document_writer`` (one document
in one transaction: add, or replace and re-anchor its codings with ``reanchor``).

Nothing here imports the view or spreadsheet libraries, so the storage child starts fast.
"""
