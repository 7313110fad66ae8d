"""People whose names are written in any script: kept apart, merged, or flagged exactly as the rules say.

Rules: equal names after NFKC and case folding (with the same birth date) are one person; names that differ in
any letter are never merged on the name alone, whatever the script; when only their transliteration agrees,
the new person is created and the other one is named as a possible duplicate.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.intake.adapters.crypto import BlindIndexer
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.decisions import Duplicate, Enrolled, Referral
from services.intake.domain.decisions import decide_referrals as decide
from services.intake.domain.dedup import DedupIndex, DedupKind, Match, dedup_keys
from services.intake.domain.names import exact_form, latin_form

INDEXER = BlindIndexer(b"k" * 32)
BORN = date(1987, 6, 15)
TODAY = date(2025, 3, 1)


def _referral(first: str, last: str, **extra) -> ReferBeneficiary:
    return ReferBeneficiary(
        first_name=first,
        last_name=last,
        birth_date=BORN,
        commune_code="93066",
        orientation_date=date(2025, 2, 1),
        **extra,
    )


def _batch(*names: tuple[str, str]) -> list:
    referrals = []
    for first, last in names:
        cmd = _referral(first, last)
        referrals.append(Referral(cmd, uuid.uuid4(), INDEXER.digests(dedup_keys(cmd))))
    return decide(referrals, DedupIndex(), {}, TODAY)


def test_no_script_folds_to_nothing():
    for name in ("Пётр", "王伟", "محمد", "Łukasz", "Øyvind", "Ἀλέξανδρος", "김민준", "अर्जुन"):
        assert exact_form(name), name
    assert exact_form("Пётр Иванов") == "пётриванов"
    assert exact_form("王伟") == "王伟"
    assert exact_form("Łukasz Żółć") == "łukaszżółć"


def test_people_of_different_scripts_born_the_same_day_stay_apart():
    decisions = _batch(
        ("Пётр", "Иванов"),
        ("伟", "王"),
        ("Łukasz", "Żółć"),
        ("Øyvind", "Hansen"),
        ("محمد", "الأمين"),
        ("Fatima", "الزهراء"),
        ("Aminata", "Diallo"),
    )
    assert all(isinstance(d, Enrolled) for d in decisions)
    assert len({d.beneficiary_id for d in decisions}) == 7


def test_the_same_name_in_another_case_or_normal_form_is_the_same_person():
    decomposed = "E\u0301lodie"  # É typed as E + combining acute accent
    decisions = _batch(("Élodie", "Lefèvre"), (decomposed, "LEFÈVRE"), ("ПЁТР", "ИВАНОВ"), ("пётр", "иванов"))
    assert [type(d) for d in decisions] == [Enrolled, Duplicate, Enrolled, Duplicate]
    assert decisions[1].beneficiary_id == decisions[0].beneficiary_id
    assert decisions[3].beneficiary_id == decisions[2].beneficiary_id


def test_sharp_s_and_ss_are_the_same_letters_after_case_folding():
    decisions = _batch(("Jürgen", "Straße"), ("JÜRGEN", "STRASSE"))
    assert isinstance(decisions[1], Duplicate) and decisions[1].beneficiary_id == decisions[0].beneficiary_id


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Łukasz", "Żółć"), ("Lukasz", "Zolc")),
        (("Øyvind", "Hansen"), ("Oyvind", "Hansen")),
        (("Éloïse", "Lefèvre"), ("Eloise", "Lefevre")),
        (("مُحَمَّد", "الأمين"), ("محمد", "الأمين")),
        (("Пётр", "Иванов"), ("Petr", "Ivanov")),
    ],
)
def test_names_that_differ_only_by_transliteration_or_accents_are_a_possible_duplicate_never_a_merge(first, second):
    decisions = _batch(first, second)
    assert [type(d) for d in decisions] == [Enrolled, Enrolled]
    assert decisions[0].beneficiary_id != decisions[1].beneficiary_id
    assert decisions[1].possible_duplicates == (decisions[0].beneficiary_id,)
    assert decisions[0].possible_duplicates == ()


def test_a_transliteration_match_contradicted_by_the_nir_is_not_even_a_possible_duplicate():
    a = _referral("Łukasz", "Żółć", nir="1870699350012")
    b = _referral("Lukasz", "Zolc", nir="1870699350013")
    index = DedupIndex()
    index.add_person(uuid.uuid4(), INDEXER.digests(dedup_keys(a)))
    assert index.possible_duplicates(INDEXER.digests(dedup_keys(b))) == []


def test_the_nir_merges_whatever_the_writing_of_the_name():
    known = uuid.uuid4()
    index = DedupIndex()
    index.add_person(known, INDEXER.digests(dedup_keys(_referral("Пётр", "Иванов", nir="1870699350012"))))
    found = index.match(INDEXER.digests(dedup_keys(_referral("Pyotr", "Ivanov", nir="1870699350012"))))
    assert found == Match(known, DedupKind.NIR)


def test_latin_forms_transliterate_every_script():
    assert latin_form("Łukasz Żółć") == "lukaszzolc"
    assert latin_form("Øyvind") == "oyvind"
    assert latin_form("Straße") == "strasse"
    assert latin_form("王伟") == latin_form("Wang Wei") == "wangwei"
    assert latin_form("Пётр") == latin_form("Петр") == "petr"
