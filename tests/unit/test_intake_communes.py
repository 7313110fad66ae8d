from __future__ import annotations

import pytest

from services.intake.domain.communes import resolve_commune, town_key
from shared.territory import COMMUNES, POSTCODES, UnknownCommune


def test_every_commune_has_a_postcode_and_is_found_by_it_and_by_its_name():
    assert set(POSTCODES) == set(COMMUNES)
    for code, commune in COMMUNES.items():
        assert resolve_commune(town=commune.name) == code
        assert resolve_commune(town=commune.name.upper()) == code
        for postcode in POSTCODES[code]:
            assert resolve_commune(postcode=postcode) == code


@pytest.mark.parametrize(
    ("town", "code"),
    [
        ("LA COURNEUVE", "93027"),
        ("la courneuve", "93027"),
        ("Courneuve", "93027"),
        ("St Denis", "93066"),
        ("ST-DENIS", "93066"),
        ("Ile St Denis", "93039"),
        ("L'ILE-SAINT-DENIS", "93039"),
        ("Epinay sur Seine", "93031"),
        ("Épinay", "93031"),
        ("Blanc Mesnil", "93007"),
        ("Pre St Gervais", "93061"),
        ("Saint-Ouen", "93070"),
        ("Tremblay", "93073"),
        ("Montreuil sous Bois", "93048"),
        ("93200 Saint-Denis", "93066"),
        ("SAINT DENIS CEDEX 1", "93066"),
    ],
)
def test_town_names_as_people_write_them(town, code):
    assert resolve_commune(town=town) == code


def test_the_insee_code_wins_and_must_be_of_the_department():
    assert resolve_commune(insee="93027", town="ignored") == "93027"
    with pytest.raises(UnknownCommune, match="75056"):
        resolve_commune(insee="75056")


def test_saint_denis_has_two_postcodes():
    assert resolve_commune(postcode="93210") == resolve_commune(postcode="93200") == "93066"
    assert resolve_commune(postcode="93210", town="La Plaine Saint-Denis") == "93066"


def test_an_ambiguous_name_lists_the_candidates():
    with pytest.raises(UnknownCommune) as e:
        resolve_commune(town="Neuilly")
    assert "Neuilly-Plaisance (93049)" in str(e.value) and "Neuilly-sur-Marne (93050)" in str(e.value)
    with pytest.raises(UnknownCommune, match="Noisy-le-Grand .*Noisy-le-Sec"):
        resolve_commune(town="NOISY")


def test_a_postcode_narrows_an_ambiguous_name():
    assert resolve_commune(town="Noisy", postcode="93130") == "93053"


def test_unknown_names_and_postcodes_are_errors_with_hints():
    with pytest.raises(UnknownCommune, match="Paris"):
        resolve_commune(town="Paris")
    with pytest.raises(UnknownCommune, match="Aubervilliers"):
        resolve_commune(town="Aubervilier")
    with pytest.raises(UnknownCommune, match="75011"):
        resolve_commune(postcode="75011")
    with pytest.raises(UnknownCommune, match="ne correspond pas"):
        resolve_commune(postcode="93200", town="Bobigny")
    with pytest.raises(UnknownCommune, match="absente"):
        resolve_commune()


def test_town_keys():
    assert town_key("L'Île-St-Denis") == "l ile saint denis"
    assert town_key("  Le   Pré-Saint-Gervais ") == "le pre saint gervais"
