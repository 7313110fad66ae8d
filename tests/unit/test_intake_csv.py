from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.intake.adapters.referral_csv import parse, parse_date
from services.intake.domain.errors import InvalidReferralFile
from shared.contracts.intake import HouseholdType

SAMPLE = Path(__file__).resolve().parents[2] / "services/intake/examples/referrals-sample.csv"
HEADER = "last_name;first_name;birth_date;commune_code;orientation_date"


def _parse(text: str, encoding: str = "utf-8"):
    return parse(text.encode(encoding), default_source="department_import")


def _reasons(parsed) -> dict[int, str]:
    return {r.line: r.reason for r in parsed.rows if r.reason}


def test_a_latin1_file_with_semicolons_and_french_headers_is_read():
    text = (
        "Nom;Prénom;Date de naissance;Code INSEE;Date d'orientation;Rôle;Num allocataire;Composition foyer;NB enfants\n"
        "Hédi;Zoé;04/05/1990;93027;10/02/2025;Conjoint;12345;parent_isole;2\n"
    )
    parsed = _parse(text, "latin-1")
    assert (parsed.encoding, parsed.delimiter, parsed.ignored_columns) == ("cp1252", ";", [])
    [row] = parsed.rows
    cmd = row.command
    assert (cmd.last_name, cmd.first_name, cmd.birth_date) == ("Hédi", "Zoé", date(1990, 5, 4))
    assert (cmd.allocataire_number, cmd.allocataire_role) == ("0012345", "conjoint")
    assert (cmd.household_type, cmd.children, cmd.referral_source) == (
        HouseholdType.SINGLE_PARENT,
        2,
        "department_import",
    )


def test_a_utf8_file_with_a_bom_and_commas_is_read():
    text = "\ufefflast_name,first_name,birth_date,commune_code,orientation_date,address\n"
    text += 'Ngô,Đức,1985-11-30,93014,2025-02-11,"3, allée de Gagny"\n'
    parsed = _parse(text)
    assert (parsed.encoding, parsed.delimiter) == ("utf-8", ",")
    [row] = parsed.rows
    assert (row.command.first_name, row.command.address) == ("Đức", "3, allée de Gagny")


@pytest.mark.parametrize("text", ["2025-02-10", "10/02/2025", "10.02.2025", "10-02-2025", " 10/2/2025 "])
def test_iso_and_day_first_dates_are_accepted(text):
    assert parse_date(text) == date(2025, 2, 10)


@pytest.mark.parametrize("text", ["02/31/2025", "2025/02/10", "10/02/25", "yesterday"])
def test_other_date_writings_are_refused(text):
    with pytest.raises(ValueError, match="date"):
        parse_date(text)


def test_each_bad_row_is_rejected_with_its_line_and_reason_and_the_others_read():
    text = "\n".join(
        [
            HEADER + ";nir;allocataire_number;allocataire_role;email",
            "Diallo;Aminata;12/04/1988;93027;03/11/2025;;;;",
            "Petit;Julien;31/02/1990;93008;2025-11-06;;;;",
            "Moreau;Sofia;1991-09-09;9302;2025-11-06;;;;",
            "Haddad;Yanis;1979-02-14;93001;2025-11-07;1 79 02 93 014 123 00;;;",
            ";Mamadou;1990-05-05;93072;2025-11-07;;;;",
            "Camara;Fatoumata;1995-03-15;93010;2025-11-08;;3456789;;",
            "Rahmani;Nadia;1987-10-21;93010;2025-11-08;;;;nadia@",
            '"Unclosed;Quote;1987-10-21;93010;2025-11-08;;;;',
            "Too;Many;1987-10-21;93010;2025-11-08;;;;;extra",
            "",
            "Nguyen;Lan;1976-01-30;93066;07/11/2025;;;;",
        ]
    )
    parsed = _parse(text)
    assert [r.line for r in parsed.rows] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 12], "blank lines are no rows"
    reasons = _reasons(parsed)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert reasons[3] == "birth_date: '31/02/1990' is not a valid date"
    assert reasons[4].startswith("commune_code: String should match pattern")
    assert reasons[5] == "nir: the NIR's check key 00 does not match its first 13 characters"
    assert reasons[6] == "last_name: Field required"
    assert reasons[7].startswith("allocataire_role: the role (demandeur or conjoint) is required")
    assert reasons[8].startswith("email: value is not a valid email address")
    assert reasons[9].startswith("the line cannot be read as CSV")
    assert reasons[10] == "10 fields where the header has 9"
    assert parsed.rows[-1].command.first_name == "Lan"


def test_trailing_empty_fields_from_spreadsheets_are_ignored():
    parsed = _parse(f"{HEADER}\nDiallo;Aminata;12/04/1988;93027;03/11/2025;;;\n")
    assert parsed.rows[0].command is not None


def test_control_characters_in_a_field_reject_the_row():
    parsed = _parse(f"{HEADER};address\nDiallo;Aminata;12/04/1988;93027;03/11/2025;12 rue\x00 X\n")
    assert _reasons(parsed) == {2: "address: contains control characters (line break, tab, NUL...)"}


def test_unknown_columns_are_ignored_and_reported():
    parsed = _parse(f"{HEADER};Commentaire\nDiallo;Aminata;12/04/1988;93027;03/11/2025;à rappeler\n")
    assert parsed.ignored_columns == ["Commentaire"] and parsed.rows[0].command is not None


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("last_name;first_name;birth_date\nDiallo;Aminata;1988-04-12\n", "commune_code, orientation_date"),
        (f"{HEADER};nom\n", "twice"),
    ],
)
def test_a_file_without_a_usable_header_is_refused_as_a_whole(text, message):
    with pytest.raises(InvalidReferralFile, match=message):
        _parse(text)


def test_the_sample_file_has_valid_rows_and_rows_rejected_when_read():
    parsed = parse(SAMPLE.read_bytes(), default_source="department_import")
    assert len(parsed.rows) == 12
    # Line 8 reads well but names a commune outside the department: the enrolment rejects it.
    assert sorted(_reasons(parsed)) == [7, 9, 11, 12]
