from __future__ import annotations

import pytest

from services.placement.domain.siret import InvalidSiret, check_siret


def test_a_valid_siret_is_accepted():
    assert check_siret("73282932000074") == "73282932000074"


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A"])
def test_a_wrong_key_or_shape_is_rejected(siret):
    with pytest.raises(InvalidSiret):
        check_siret(siret)


def test_la_poste_establishments_use_the_digit_sum_rule():
    assert check_siret("35600000000056")
