"""A program failure names the stack, the resource, the file and the cause, without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pcizone.errors import EXIT_PROGRAM
from pcizone.offline.errors import ProgramError
from pcizone.offline.runner import run_program


def test_exception_inside_a_component_names_the_resource() -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(Path(__file__).with_name("raising_program.py"), stack="test", config={})
    assert caught.value.exit_code == EXIT_PROGRAM
    assert caught.value.message == (
        "stack test: the program failed while declaring resource 'ledger' (fixture:data:Ledger)"
        " at tests/offline/raising_program.py:11:"
        " ValueError: retention_days must be at least 7, got 3"
    )


def test_missing_program_file_is_a_program_error(tmp_path: Path) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(tmp_path / "nope.py", stack="test", config={})
    assert "nope.py" in caught.value.message
