from __future__ import annotations

import pytest

from shared import territory


def test_the_forty_communes_of_the_department_are_located_and_each_covered_by_one_agency():
    assert len(territory.COMMUNES) == 40 and len(territory.AGENCIES) == 22
    covered = [code for agency in territory.AGENCIES for code in agency.communes]
    assert sorted(covered) == sorted(territory.COMMUNES)
    for commune in territory.COMMUNES.values():
        assert 48.80 < commune.latitude < 49.01 and 2.28 < commune.longitude < 2.61, commune


def test_neighbouring_town_halls_are_a_few_kilometres_apart():
    assert territory.distance_km("93027", "93001") == pytest.approx(1.9, abs=0.3)  # La Courneuve - Aubervilliers
    assert territory.distance_km("93027", "93066") == pytest.approx(3.0, abs=0.4)  # La Courneuve - Saint-Denis
    assert territory.distance_km("93014", "93047") == pytest.approx(1.9, abs=0.4)  # Clichy-sous-Bois - Montfermeil


def test_opposite_ends_of_the_department_are_more_than_fifteen_kilometres_apart():
    assert 15 < territory.distance_km("93066", "93051") < 20  # Saint-Denis - Noisy-le-Grand


def test_distance_is_symmetric_and_zero_to_itself():
    assert territory.distance_km("93048", "93006") == territory.distance_km("93006", "93048")
    assert territory.distance_km("93048", "93048") == 0


def test_haversine_matches_a_known_distance():
    # Paris (Notre-Dame) to Lyon (Bellecour): about 392 km as the crow flies.
    assert territory.haversine_km(48.853, 2.349, 45.758, 4.832) == pytest.approx(392, abs=3)


def test_a_commune_outside_the_department_is_refused():
    with pytest.raises(territory.UnknownCommune, match="75056"):
        territory.distance_km("75056", "93027")
    assert not territory.is_known("93999")


def test_distances_from_one_commune_cover_every_commune():
    distances = territory.distances_from("93027")
    assert set(distances) == set(territory.COMMUNES) and distances["93027"] == 0
