"""Intake's use of the shared crypto (`shared.crypto`): identities encrypted per person, de-duplication digests.

Each person's identity is encrypted under a data key of their own, wrapped by intake's master key; destroying
the wrapped data key makes the identity unreadable (crypto-shredding). Both ciphertexts are bound to the
beneficiary id, so a row copied onto another person does not decrypt. The formats are those of
`shared.crypto`, which accompaniment and placement use for the free text they keep about the same people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from services.intake.domain.dedup import DedupKind
from services.intake.domain.identity import Identity
from shared import crypto
from shared.crypto import KEY_BYTES, PersonalDataUnreadable

__all__ = ["KEY_BYTES", "BlindIndexer", "PersonalDataUnreadable", "PersonalDataVault", "Sealed"]


@dataclass(frozen=True)
class Sealed:
    """A new person's wrapped data key and encrypted identity."""

    wrapped_key: bytes
    identity: bytes


def _key_aad(beneficiary_id: UUID) -> bytes:
    return b"key:" + beneficiary_id.bytes


def _identity_aad(beneficiary_id: UUID) -> bytes:
    return b"identity:" + beneficiary_id.bytes


class PersonalDataVault:
    """Encrypts and decrypts identities, each with its own data key wrapped by the master key."""

    def __init__(self, master_key: bytes) -> None:
        self._keys = crypto.KeyWrapper(master_key)

    def seal(self, beneficiary_id: UUID, identity: Identity) -> Sealed:
        """A fresh data key for a new person, wrapped, and their identity encrypted with it."""
        data_key = crypto.new_data_key()
        return Sealed(
            wrapped_key=self._keys.wrap(data_key, _key_aad(beneficiary_id)),
            identity=self._encrypt(data_key, beneficiary_id, identity),
        )

    def reseal(self, beneficiary_id: UUID, wrapped_key: bytes, identity: Identity) -> bytes:
        """The identity encrypted again with the person's existing data key (after a change of address)."""
        return self._encrypt(self._data_key(beneficiary_id, wrapped_key), beneficiary_id, identity)

    def open(self, beneficiary_id: UUID, wrapped_key: bytes | None, identity: bytes | None) -> Identity:
        """The decrypted identity; raises `PersonalDataUnreadable` when the key is gone or wrong."""
        if wrapped_key is None or identity is None:
            raise PersonalDataUnreadable(f"the data key of beneficiary {beneficiary_id} was destroyed")
        data_key = self._data_key(beneficiary_id, wrapped_key)
        return Identity.model_validate_json(crypto.unseal(data_key, identity, _identity_aad(beneficiary_id)))

    def _data_key(self, beneficiary_id: UUID, wrapped_key: bytes) -> bytes:
        return self._keys.unwrap(wrapped_key, _key_aad(beneficiary_id))

    @staticmethod
    def _encrypt(data_key: bytes, beneficiary_id: UUID, identity: Identity) -> bytes:
        return crypto.seal(data_key, identity.model_dump_json().encode(), _identity_aad(beneficiary_id))


class BlindIndexer(crypto.BlindIndexer):
    """Keyed digests of de-duplication keys."""

    def digests(self, keys: Mapping[DedupKind, str]) -> dict[DedupKind, bytes]:
        """The digest of each key."""
        return {kind: self.digest(str(kind), value) for kind, value in keys.items()}
