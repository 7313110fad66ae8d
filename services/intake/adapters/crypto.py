"""Encryption of personal data with a key per person (crypto-shredding), and blind indexes for de-duplication.

Each person's identity is encrypted with AES-256-GCM under a data key of their own. The data key is stored
wrapped (encrypted with AES-256-GCM) by the master key from the settings. Destroying the wrapped data key makes
every copy of the identity's ciphertext unreadable. Both ciphertexts are bound to the beneficiary id (associated
data), so a row copied onto another person does not decrypt.

Blind indexes are HMAC-SHA256 digests of the normalised de-duplication keys under a separate index key: equal
keys give equal digests, so duplicates are found without decrypting anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.intake.domain.dedup import DedupKind
from services.intake.domain.identity import Identity
from shared.errors import PlatformError

KEY_BYTES = 32
_NONCE_BYTES = 12
# First byte of every ciphertext: the format, so that keys or algorithms can be rotated later.
_FORMAT = b"\x01"


class PersonalDataUnreadable(PlatformError):
    """A ciphertext does not decrypt: wrong master key, tampered row, or a key that was destroyed."""


@dataclass(frozen=True)
class Sealed:
    """A new person's wrapped data key and encrypted identity."""

    wrapped_key: bytes
    identity: bytes


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if not sealed.startswith(_FORMAT):
        raise PersonalDataUnreadable("unknown ciphertext format")
    nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as e:
        raise PersonalDataUnreadable("personal data does not decrypt with this key") from e


class PersonalDataVault:
    """Encrypts and decrypts identities, each with its own data key wrapped by the master key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"the master key must be {KEY_BYTES} bytes")
        self._master = master_key

    def seal(self, beneficiary_id: UUID, identity: Identity) -> Sealed:
        """A fresh data key for a new person, wrapped, and their identity encrypted with it."""
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        return Sealed(
            wrapped_key=_seal(self._master, data_key, b"key:" + beneficiary_id.bytes),
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
        return Identity.model_validate_json(_open(data_key, identity, b"identity:" + beneficiary_id.bytes))

    def _data_key(self, beneficiary_id: UUID, wrapped_key: bytes) -> bytes:
        return _open(self._master, wrapped_key, b"key:" + beneficiary_id.bytes)

    @staticmethod
    def _encrypt(data_key: bytes, beneficiary_id: UUID, identity: Identity) -> bytes:
        return _seal(data_key, identity.model_dump_json().encode(), b"identity:" + beneficiary_id.bytes)


class BlindIndexer:
    """Keyed digests of de-duplication keys."""

    def __init__(self, index_key: bytes) -> None:
        if len(index_key) != KEY_BYTES:
            raise ValueError(f"the index key must be {KEY_BYTES} bytes")
        self._key = index_key

    def digest(self, kind: DedupKind, normalised: str) -> bytes:
        """The digest of one normalised key; the kind is part of the message, so kinds never collide."""
        return hmac.new(self._key, f"{kind}\x1f{normalised}".encode(), hashlib.sha256).digest()

    def digests(self, keys: Mapping[DedupKind, str]) -> dict[DedupKind, bytes]:
        """The digest of each key."""
        return {kind: self.digest(kind, value) for kind, value in keys.items()}
