"""Reading the department's files: encodings, mapping profiles, XLSX, the CAF/MSA flow, the French report."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from services.intake.adapters import sources
from services.intake.adapters.profiles import shipped_profiles
from services.intake.adapters.report_files import report_csv, report_xlsx
from services.intake.domain.errors import InvalidReferralFile
from services.intake.domain.mapping import FileFormat, MappingProfile
from services.intake.service_layer.reading import parse_rows, preview
from services.intake.service_layer.reports import ImportedRow, ImportReport, RowStatus
from shared.contracts.intake import HouseholdType, RsaRightsClosureReason, RsaRightsState
from tests.builders import xlsx_of

EXAMPLES = Path(__file__).resolve().parents[2] / "services/intake/examples"
PROFILES = shipped_profiles()
TODAY = date(2025, 3, 1)
HEADER = "last_name;first_name;birth_date;commune_code;orientation_date"


def _rows(data: bytes, profile: str | MappingProfile = "plateforme"):
    profile = PROFILES[profile] if isinstance(profile, str) else profile
    return parse_rows(sources.read(data, profile), profile, TODAY)


def _reasons(rows) -> dict[int, str]:
    return {r.line: r.reason for r in rows if r.reason}


def test_the_shipped_profiles_are_valid_and_named_after_their_files():
    assert {"plateforme", "agences-rdv", "caf-msa"} <= set(PROFILES)
    assert PROFILES["agences-rdv"].encoding == "cp1252" and PROFILES["plateforme"].encoding == "utf-8"


def test_one_latin1_byte_in_a_utf8_file_rejects_that_line_only_and_names_it():
    lines = [HEADER, "Lefèvre;Élodie;12/04/1988;93027;03/02/2025", "Dubois;Zoé;01/01/1990;93008;03/02/2025"]
    data = "\n".join(lines).encode("utf-8").replace("Zoé".encode(), "Zo\xe9".encode("latin-1"))
    rows = _rows(data)
    assert rows[0].command.first_name == "Élodie" and rows[0].command.last_name == "Lefèvre"
    assert rows[1].command is None and rows[1].line == 3
    assert "E9" in rows[1].reason and "utf-8" in rows[1].reason


def test_a_profile_names_its_encoding():
    profile = PROFILES["plateforme"].model_copy(update={"encoding": "cp1252"})
    data = f"{HEADER}\nLefèvre;Élodie;12/04/1988;93027;03/02/2025\n".encode("cp1252")
    [row] = _rows(data, profile)
    assert row.command.first_name == "Élodie"


def test_a_utf8_bom_and_commas_are_read():
    data = "\ufeff" + HEADER.replace(";", ",") + ",address\n" + 'Ngô,Đức,1985-11-30,93014,2025-02-11,"3, allée"\n'
    [row] = _rows(data.encode())
    assert (row.command.first_name, row.command.address) == ("Đức", "3, allée")


def test_each_bad_row_is_rejected_with_its_line_and_a_french_reason_and_the_others_read():
    text = "\n".join(
        [
            HEADER + ";nir;allocataire_number;allocataire_role;email",
            "Diallo;Aminata;12/04/1988;93027;03/11/2024;;;;",
            "Petit;Julien;31/02/1990;93008;2024-11-06;;;;",
            "Moreau;Sofia;1991-09-09;75056;2024-11-06;;;;",
            "Haddad;Yanis;1979-02-14;93001;2024-11-07;1 79 02 93 014 123 00;;;",
            ";Mamadou;1990-05-05;93072;2024-11-07;;;;",
            "Camara;Fatoumata;1995-03-15;93010;2024-11-08;;3456789;;",
            "Rahmani;Nadia;1987-10-21;93010;2024-11-08;;;;nadia@",
            '"Unclosed;Quote;1987-10-21;93010;2024-11-08;;;;',
            "Too;Many;1987-10-21;93010;2024-11-08;;;;;extra",
            "",
            "Nguyen;Lan;1976-01-30;93066;07/11/2024;;;;",
        ]
    )
    rows = _rows(text.encode())
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 12], "blank lines are no rows"
    reasons = _reasons(rows)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert (
        reasons[3] == "date de naissance : « 31/02/1990 » n'est pas une date valide (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"
    )
    assert reasons[4] == "code INSEE 75056 : ce n'est pas une commune de Seine-Saint-Denis"
    assert reasons[5].startswith("NIR : la clé 00 du NIR ne correspond pas")
    assert reasons[6] == "nom : manquant"
    assert reasons[7].startswith("rôle : le rôle (demandeur ou conjoint) est requis")
    assert reasons[8] == "courriel : adresse invalide"
    assert reasons[9].startswith("ligne illisible en CSV")
    assert reasons[10] == "10 champs alors que l'en-tête en a 9"
    assert rows[-1].command.first_name == "Lan"


def test_a_file_without_the_profiles_columns_is_refused_as_a_whole_in_french():
    with pytest.raises(InvalidReferralFile, match="birth_date"):
        _rows(b"last_name;first_name\nDiallo;Aminata\n")
    with pytest.raises(InvalidReferralFile, match="vide"):
        _rows(b"\n\n")


def test_the_agencies_appointment_export_is_read_with_its_profile():
    text = (
        "NOM;PRENOM;N CAF;ROLE;VILLE;DATE NAISSANCE;COMMENTAIRE\n"
        "KONATÉ;Hélène;412056;CJT;LA COURNEUVE;07/01/1990;à rappeler\n"
        "BERNARD;Pascal;4120999;DEM;St Denis;11/06/1975;\n"
        "MARTIN;Julie;4123333;DEM;Neuilly;30/11/1999;\n"
        "DUPONT;Marc;4124444;XX;Bobigny;01/01/1980;\n"
    )
    rows = _rows(text.encode("cp1252"), "agences-rdv")
    first, second = rows[0].command, rows[1].command
    assert (first.last_name, first.first_name, first.birth_date) == ("KONATÉ", "Hélène", date(1990, 1, 7))
    assert (first.allocataire_number, first.allocataire_role, first.commune_code) == ("0412056", "conjoint", "93027")
    assert first.orientation_date == TODAY and first.referral_source == "agency_appointment_export"
    assert second.commune_code == "93066"
    assert "Neuilly-Plaisance (93049)" in rows[2].reason and "Neuilly-sur-Marne (93050)" in rows[2].reason
    assert rows[3].reason == "rôle : « XX » inconnu (demandeur ou conjoint)"
    source = sources.read(text.encode("cp1252"), PROFILES["agences-rdv"])
    assert source.ignored_columns == ["COMMENTAIRE"] and source.columns["town"] == "VILLE"


def test_an_xlsx_sheet_is_read_with_its_dates_numbers_and_row_numbers():
    profile = PROFILES["agences-rdv"].model_copy(update={"format": FileFormat.XLSX})
    data = xlsx_of(
        [
            ["NOM", "PRENOM", "N CAF", "ROLE", "CP", "DATE NAISSANCE"],
            ["Иванов", "Пётр", 1234567, "DEM", 93200, date(1987, 6, 15)],
            [None, None, None, None, None, None],
            ["王", "伟", "0765432", "C", "93100", "15/06/1987"],
            ["Petit", "Julien", 7654321, "DEM", 75011, date(1990, 1, 1)],
        ]
    )
    rows = _rows(data, profile)
    assert [r.line for r in rows] == [2, 4, 5]
    assert (rows[0].command.last_name, rows[0].command.allocataire_number) == ("Иванов", "1234567")
    assert rows[0].command.commune_code == "93066" and rows[0].command.birth_date == date(1987, 6, 15)
    assert (rows[1].command.first_name, rows[1].command.commune_code) == ("伟", "93048")
    assert rows[2].reason == "code postal 75011 : aucune commune de Seine-Saint-Denis"


def test_an_xlsx_file_sent_with_a_csv_profile_is_named_as_such():
    with pytest.raises(InvalidReferralFile, match="XLSX"):
        _rows(xlsx_of([["NOM"]]))


def test_the_caf_msa_flow_gives_demandeurs_and_conjoints_with_their_rights():
    source = sources.read((EXAMPLES / "caf-msa-flux-sample.xml").read_bytes(), PROFILES["caf-msa"])
    assert source.flow_date == date(2025, 2, 3)
    rows = parse_rows(source, PROFILES["caf-msa"], TODAY)
    by_name = {r.command.first_name: r for r in rows if r.command}
    couple = by_name["MOUSSA"].command, by_name["HÉLÈNE"].command
    assert [c.allocataire_role for c in couple] == ["demandeur", "conjoint"]
    assert {c.allocataire_number for c in couple} == {"4120567"}
    assert couple[1].last_name == "KONATÉ", "the flow's ISO-8859-1 is decoded"
    assert all(c.household_type == HouseholdType.COUPLE_WITH_CHILDREN and c.children == 2 for c in couple)
    assert all(c.commune_code == "93027" and c.orientation_date == date(2025, 2, 3) for c in couple)
    assert couple[0].nir == "188047511204569" and couple[0].referral_source == "caf_msa_flow"
    closed = by_name["PASCAL"]
    assert closed.rights == sources.RsaRights(
        RsaRightsState.CLOSED, date(2025, 1, 31), RsaRightsClosureReason.STRUCK_OFF_END_OF_RIGHT
    )
    assert by_name["ISSA"].command.commune_code == "93066", "found by postcode 93210 and ST DENIS"
    assert by_name["ISSA"].rights.state == RsaRightsState.PAYMENT_SUSPENDED and by_name["ISSA"].skipped is None
    assert "droits et devoirs" in by_name["LINH"].skipped
    assert "non ouvert" in by_name["JULIE"].skipped
    assert len(rows) == 6 and all(r.line > 10 for r in rows)


def test_a_broken_xml_flow_is_refused_with_its_line():
    with pytest.raises(InvalidReferralFile, match="ligne 3"):
        sources.read(b"<?xml version='1.0'?>\n<Racine>\n<IdentificationFlux></Racine>", PROFILES["caf-msa"])


def test_a_dry_run_shows_the_first_rows_as_read():
    text = f"{HEADER}\nLefèvre;Élodie;12/04/1988;93027;03/02/2025\nPetit;Julien;31/02/1990;93008;03/02/2025\n"
    report = preview(sources.read(text.encode(), PROFILES["plateforme"]), PROFILES["plateforme"], TODAY, limit=1)
    assert (report.total, report.readable, report.rejected, len(report.rows)) == (2, 1, 1, 1)
    assert report.rows[0].values["commune"] == "La Courneuve (93027)"
    assert report.rows[0].values["date de naissance"] == "12/04/1988"


def _report() -> ImportReport:
    return ImportReport.of(
        [
            ImportedRow(line=3, status=RowStatus.RETURN, agency_id="ali-bobigny"),
            ImportedRow(line=2, status=RowStatus.CREATED, agency_id="ali-la-courneuve"),
            ImportedRow(line=4, status=RowStatus.REJECTED, reason="=HYPERLINK(1) : ville inconnue"),
        ],
        import_id="0b6c3c1e-2a7a-4f0e-9a65-4c1fd1f7f1a2",
        profile="plateforme",
        format="csv",
        encoding="utf-8",
        delimiter=";",
        columns={},
        ignored_columns=[],
        imported_at="2025-03-01T10:00:00+00:00",
    )


def test_the_report_downloads_as_a_french_csv_and_an_xlsx():
    report = _report()
    assert (report.created, report.returns, report.rejected) == (1, 1, 1) and report.rows[0].line == 2
    data = report_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:2] == ["Ligne", "Statut"] and lines[2][1] == "retour (nouvel accompagnement)"
    assert lines[3][4].startswith("'="), "a reason never becomes a formula"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(report_xlsx(report))).get_sheet_by_name("Lignes").to_python()
    assert sheet[1][1] == "créé" and sheet[2][1] == "retour (nouvel accompagnement)"


def test_profiles_are_validated():
    with pytest.raises(ValueError, match="birth_date"):
        MappingProfile(name="x1", columns={"last_name": "NOM", "first_name": "PRENOM", "town": "VILLE"})
    with pytest.raises(ValueError, match="commune"):
        MappingProfile(name="x1", columns={"last_name": "NOM", "first_name": "PRENOM", "birth_date": "DDN"})
    with pytest.raises(ValueError, match="encoding"):
        MappingProfile(name="x1", encoding="utf-16", columns={})
    with pytest.raises(ValueError, match="both"):
        MappingProfile(name="x1", columns={"last_name": "NOM", "first_name": "nom", "birth_date": "D", "town": "V"})


def test_a_dry_run_of_the_caf_flow_shows_ended_rights_apart():
    profile = PROFILES["caf-msa"]
    source = sources.read((EXAMPLES / "caf-msa-flux-sample.xml").read_bytes(), profile)
    report = preview(source, profile, TODAY, limit=10)
    assert (report.total, report.readable, report.rights_closed, report.skipped) == (6, 3, 1, 2)
    [closed] = [r for r in report.rows if r.status == "rights_closed"]
    assert closed.values["nom"] == "BERNARD" and "31/01/2025" in closed.reason
