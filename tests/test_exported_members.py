"""The public surface: a sorted ``__all__`` that lists exactly the public names (httpx style)."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
import types

import workbench


def _public_names() -> list[str]:
    for name in workbench.__all__:  # the face is lazy: load every name first
        getattr(workbench, name)
    return [
        name
        for name, value in vars(workbench).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]


def test_all_is_sorted_and_unique():
    assert workbench.__all__ == sorted(workbench.__all__)
    assert len(set(workbench.__all__)) == len(workbench.__all__)


def test_all_lists_exactly_the_public_names():
    # submodules (workbench.project, workbench.storage, ...) are reachable but not exported
    assert sorted(_public_names()) == workbench.__all__


def test_every_exported_name_exists():
    for name in workbench.__all__:
        assert hasattr(workbench, name), name


def _has_docstring(name: str, value: object) -> bool:
    doc = (inspect.getdoc(value) or "").strip()
    # @dataclass writes "Name(field: type, ...)" into __doc__ when the class has none
    return bool(doc) and not (dataclasses.is_dataclass(value) and doc.startswith(f"{name}("))


def test_every_public_name_has_a_docstring():
    missing = [name for name in workbench.__all__
               if not _has_docstring(name, getattr(workbench, name))]
    assert missing == []


def test_public_methods_of_exported_classes_have_docstrings():
    missing = []
    for name in workbench.__all__:
        value = getattr(workbench, name)
        if not inspect.isclass(value) or issubclass(value, BaseException):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_") or not (inspect.isfunction(member)
                                            or isinstance(member, property)):
                continue
            if not (inspect.getdoc(member) or "").strip():
                missing.append(f"{name}.{attr}")
    assert missing == []


def test_exceptions_form_one_tree():
    errors = [getattr(workbench, n) for n in workbench.__all__ if n.endswith("Error")]
    assert errors
    for error in errors:
        assert issubclass(error, workbench.WorkbenchError), error
    assert issubclass(workbench.TranscriptWarning, UserWarning)
    for value_error in ("TranscriptError", "CodebookError", "ImportFormatError",
                        "AttributeSheetError", "AgreementInputError"):
        assert issubclass(getattr(workbench, value_error), ValueError)
    assert issubclass(workbench.UnknownCodeError, LookupError)
    assert issubclass(workbench.DuplicateImportError, workbench.ConflictError)


def test_dir_lists_every_exported_name():
    assert set(workbench.__all__) <= set(dir(workbench))


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        workbench.nonsense  # noqa: B018


HEAVY = ("ipywidgets", "plotly", "openpyxl", "anywidget")


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_the_package_face_and_the_cli_load_no_view_or_spreadsheet_library():
    assert _loaded_after("import workbench") == []
    assert _loaded_after("import workbench.cli") == []
    assert _loaded_after("import workbench; workbench.open_project") == []


def test_the_import_storage_process_loads_no_view_or_spreadsheet_library():
    assert _loaded_after("import workbench.importing.storage_sink") == []


def test_a_view_name_loads_its_library_on_first_use():
    assert "ipywidgets" in _loaded_after("import workbench; workbench.CodingPanel")
