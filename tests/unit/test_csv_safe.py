"""CSV injection (OWASP): a cell a spreadsheet would run as a formula is given as plain text."""

from __future__ import annotations

import io

import pytest

from shared.csv_safe import SafeWriter, neutralise


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+33 6", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_formula_cell_is_prefixed_with_a_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["ali-stains", "cdi", "", 3, -2, 0.5, None])
def test_other_cells_and_numbers_stay_as_they_are(cell):
    assert neutralise(cell) == cell


def test_the_writer_neutralises_every_text_cell():
    out = io.StringIO()
    SafeWriter(out).writerow(["=1+1", -1, "sector"])
    assert out.getvalue() == "'=1+1,-1,sector\r\n"
