from __future__ import annotations

import uuid
from datetime import date
from functools import partial

from services.intake.adapters.crypto import BlindIndexer
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.decisions import Duplicate, Enrolled, Referral, Rejected
from services.intake.domain.decisions import decide_referrals as decide
from services.intake.domain.dedup import DedupIndex, DedupKind, Match, dedup_keys
from services.intake.domain.names import exact_form
from services.intake.domain.nir import check_key
from tests.builders import referral

INDEXER = BlindIndexer(b"i" * 32)
TODAY = date(2025, 3, 1)


def _nir(n13: str) -> str:
    return f"{n13}{check_key(n13):02d}"


NIR_A, NIR_B = _nir("1900575123456"), _nir("2850193027011")


_referral = partial(referral, first_name="Karim", last_name="Benali", orientation_date=date(2025, 2, 10))


def _keys(cmd: ReferBeneficiary) -> dict[DedupKind, bytes]:
    return INDEXER.digests(dedup_keys(cmd))


def _index_of(*people: tuple[uuid.UUID, ReferBeneficiary]) -> DedupIndex:
    index = DedupIndex()
    for beneficiary_id, cmd in people:
        index.add_person(beneficiary_id, _keys(cmd))
    return index


def test_names_fold_case_apostrophes_and_hyphens_but_keep_accents():
    assert exact_form("Éloïse-Marie") == exact_form("ÉLOÏSE MARIE") == "éloïsemarie"
    assert exact_form("N'Diaye") == exact_form("NDIAYE")
    assert exact_form("Éloïse") != exact_form("Eloise")


def test_blind_indexes_of_equivalent_writings_are_equal():
    a = _keys(_referral(first_name="Éloïse-Marie", last_name="N'Diaye", nir=f"{NIR_A[:1]} {NIR_A[1:]}"))
    b = _keys(_referral(first_name="ÉLOÏSE MARIE", last_name="ndiaye", nir=NIR_A[:13]))
    assert a[DedupKind.NAME_BIRTH] == b[DedupKind.NAME_BIRTH]
    assert a[DedupKind.NIR] == b[DedupKind.NIR], "the NIR's key is not part of the person's key"
    c = _keys(_referral(allocataire_number="12345", allocataire_role="demandeur"))
    d = _keys(_referral(allocataire_number="0012345", allocataire_role="demandeur"))
    assert c[DedupKind.ALLOCATAIRE] == d[DedupKind.ALLOCATAIRE]


def test_blind_indexes_depend_on_the_key_and_the_kind_and_never_show_the_value():
    keys = dedup_keys(_referral(nir=NIR_A))
    digest = INDEXER.digest(DedupKind.NIR, keys[DedupKind.NIR])
    assert digest != BlindIndexer(b"j" * 32).digest(DedupKind.NIR, keys[DedupKind.NIR])
    assert digest != INDEXER.digest(DedupKind.NAME_BIRTH, keys[DedupKind.NIR])
    assert len(digest) == 32 and NIR_A[:13].encode() not in digest


def test_the_roles_of_one_allocataire_file_are_two_people():
    demandeur = _keys(_referral(allocataire_number="1234567", allocataire_role="demandeur"))
    conjoint = _keys(_referral(allocataire_number="1234567", allocataire_role="conjoint"))
    assert demandeur[DedupKind.ALLOCATAIRE] != conjoint[DedupKind.ALLOCATAIRE]


def test_the_nir_is_tried_first():
    by_nir, by_name = uuid.uuid4(), uuid.uuid4()
    index = _index_of(
        (by_nir, _referral(first_name="Other", last_name="Person", nir=NIR_A)),
        (by_name, _referral()),
    )
    assert index.match(_keys(_referral(nir=NIR_A))) == Match(by_nir, DedupKind.NIR)


def test_the_allocataire_number_and_role_come_before_name_and_birth_date():
    by_allocataire, by_name = uuid.uuid4(), uuid.uuid4()
    index = _index_of(
        (by_allocataire, _referral(first_name="Karima", allocataire_number="7654321", allocataire_role="demandeur")),
        (by_name, _referral()),
    )
    found = index.match(_keys(_referral(allocataire_number="7654321", allocataire_role="demandeur")))
    assert found == Match(by_allocataire, DedupKind.ALLOCATAIRE)


def test_name_and_birth_date_find_a_person_referred_without_numbers():
    known = uuid.uuid4()
    index = _index_of((known, _referral(nir=NIR_A, allocataire_number="1234567", allocataire_role="demandeur")))
    assert index.match(_keys(_referral(first_name="KARIM", last_name="benali"))) == Match(known, DedupKind.NAME_BIRTH)
    assert index.match(_keys(_referral(birth_date=date(1990, 5, 5)))) is None


def test_homonyms_with_different_nirs_are_two_people():
    known = uuid.uuid4()
    index = _index_of((known, _referral(nir=NIR_A)))
    assert index.match(_keys(_referral(nir=NIR_B))) is None


def test_a_shared_allocataire_key_does_not_merge_people_whose_nirs_differ():
    known = uuid.uuid4()
    index = _index_of((known, _referral(nir=NIR_A, allocataire_number="1234567", allocataire_role="demandeur")))
    other = _referral(first_name="Lina", nir=NIR_B, allocataire_number="1234567", allocataire_role="demandeur")
    assert index.match(_keys(other)) is None


def test_a_batch_enrols_a_person_once_and_rejects_broken_rows_without_stopping():
    first = Referral(_referral(), uuid.uuid4(), _keys(_referral()))
    broken = Referral(_referral(commune_code="75056"), uuid.uuid4(), _keys(_referral(commune_code="75056")))
    again = Referral(_referral(first_name="KARIM"), uuid.uuid4(), _keys(_referral(first_name="KARIM")))
    other = Referral(_referral(first_name="Lina"), uuid.uuid4(), _keys(_referral(first_name="Lina")))
    decisions = decide([first, broken, again, other], DedupIndex(), {}, TODAY)
    assert [type(d) for d in decisions] == [Enrolled, Rejected, Duplicate, Enrolled]
    assert decisions[2] == Duplicate(first.beneficiary_id, "ali-la-courneuve")
    assert "75056" in str(decisions[1].error)
    assert {e.kind for e in decisions[0].entries} == {DedupKind.NAME_BIRTH, DedupKind.NAME_BIRTH_LATIN}
