from __future__ import annotations

import base64
import uuid
from datetime import date

import pytest
from pydantic import ValidationError

from services.intake.adapters.crypto import PersonalDataUnreadable, PersonalDataVault
from services.intake.domain.identity import Identity
from services.intake.settings import IntakeSettings
from tests.unit.test_production_settings import PRODUCTION as VALID

IDENTITY = Identity(
    first_name="Aminata",
    last_name="Diallo",
    birth_date=date(1988, 4, 12),
    nir="288049935204132",
    address="12 rue de la Convention",
    phone="0601020304",
)
# A production configuration but for intake's keys.
PRODUCTION = {k: v for k, v in VALID.items() if k not in ("intake_master_key", "intake_index_key")}


@pytest.fixture(autouse=True)
def _no_keys_from_the_environment(monkeypatch):
    for variable in ("ALI_ENVIRONMENT", "ALI_INTAKE_MASTER_KEY", "ALI_INTAKE_INDEX_KEY"):
        monkeypatch.delenv(variable, raising=False)


def _key(byte: bytes) -> str:
    return base64.b64encode(byte * 32).decode()


def test_an_identity_round_trips_and_its_ciphertext_shows_nothing():
    vault, person = PersonalDataVault(b"m" * 32), uuid.uuid4()
    sealed = vault.seal(person, IDENTITY)
    assert vault.open(person, sealed.wrapped_key, sealed.identity) == IDENTITY
    for clear in (b"Aminata", b"Diallo", b"1988-04-12", b"2880499", b"0601020304"):
        assert clear not in sealed.identity and clear not in sealed.wrapped_key


def test_each_person_has_a_data_key_of_their_own():
    vault = PersonalDataVault(b"m" * 32)
    a, b = vault.seal(uuid.uuid4(), IDENTITY), vault.seal(uuid.uuid4(), IDENTITY)
    assert a.wrapped_key != b.wrapped_key and a.identity != b.identity


def test_destroying_the_key_makes_the_identity_unreadable():
    vault, person = PersonalDataVault(b"m" * 32), uuid.uuid4()
    sealed = vault.seal(person, IDENTITY)
    with pytest.raises(PersonalDataUnreadable, match="destroyed"):
        vault.open(person, None, sealed.identity)
    # Another person's key, or a key wrapped by another master key, does not open it either.
    with pytest.raises(PersonalDataUnreadable):
        vault.open(person, vault.seal(person, IDENTITY).wrapped_key, sealed.identity)
    with pytest.raises(PersonalDataUnreadable):
        PersonalDataVault(b"n" * 32).open(person, sealed.wrapped_key, sealed.identity)


def test_a_ciphertext_is_bound_to_its_person():
    vault, person = PersonalDataVault(b"m" * 32), uuid.uuid4()
    sealed = vault.seal(person, IDENTITY)
    with pytest.raises(PersonalDataUnreadable):
        vault.open(uuid.uuid4(), sealed.wrapped_key, sealed.identity)


def test_resealing_after_a_move_keeps_the_persons_key():
    vault, person = PersonalDataVault(b"m" * 32), uuid.uuid4()
    sealed = vault.seal(person, IDENTITY)
    moved = IDENTITY.model_copy(update={"address": "3 allée de Gagny"})
    again = vault.reseal(person, sealed.wrapped_key, moved)
    assert vault.open(person, sealed.wrapped_key, again).address == "3 allée de Gagny"


def test_outside_development_the_settings_refuse_missing_keys():
    with pytest.raises(ValidationError, match="ALI_INTAKE_MASTER_KEY"):
        IntakeSettings(**PRODUCTION)
    with pytest.raises(ValidationError, match="ALI_INTAKE_INDEX_KEY"):
        IntakeSettings(**PRODUCTION, intake_master_key=_key(b"a"))
    settings = IntakeSettings(**PRODUCTION, intake_master_key=_key(b"a"), intake_index_key=_key(b"b"))
    assert settings.master_key() == b"a" * 32 and settings.index_key() == b"b" * 32


def test_keys_must_be_32_bytes_of_base64_and_distinct():
    with pytest.raises(ValidationError, match="32 bytes"):
        IntakeSettings(intake_master_key=base64.b64encode(b"short").decode())
    with pytest.raises(ValidationError, match="not valid base64"):
        IntakeSettings(intake_index_key="not base64!")
    with pytest.raises(ValidationError, match="must be different"):
        IntakeSettings(intake_master_key=_key(b"a"), intake_index_key=_key(b"a"))


def test_development_derives_stable_distinct_keys():
    first, second = IntakeSettings(environment="development"), IntakeSettings(environment="development")
    assert first.master_key() == second.master_key() and len(first.master_key()) == 32
    assert first.master_key() != first.index_key()
