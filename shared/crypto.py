"""Encryption of personal data with a key per owner (crypto-shredding), and blind indexes; one implementation
shared by every service that keeps personal data.

Each owner (a person, an employer's contact, an employer, an agency) has a data key of their own: 32 random
bytes for AES-256-GCM. The data key is stored wrapped (encrypted with AES-256-GCM) by the service's master key
from the settings. Destroying the wrapped data key makes every ciphertext made with it unreadable, wherever
copies of the ciphertext went (backups included). Every ciphertext is bound to what it belongs to through the
associated data (`aad`), so a row copied onto another owner or another field does not decrypt.

Blind indexes are HMAC-SHA256 digests of normalised values under a separate index key: equal values give equal
digests, so duplicates are found without decrypting anyone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.errors import PlatformError

KEY_BYTES = 32
_NONCE_BYTES = 12
# First byte of every ciphertext: the format, so that keys or algorithms can be rotated later.
_FORMAT = b"\x01"


class PersonalDataUnreadable(PlatformError):
    """A ciphertext does not decrypt: wrong master key, tampered row, or a key that was destroyed."""


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM ciphertext of `plaintext` bound to `aad`, with a fresh nonce and the format byte."""
    nonce = os.urandom(_NONCE_BYTES)
    return _FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """The plaintext of `seal(key, plaintext, aad)`; raises `PersonalDataUnreadable` for anything else."""
    if not sealed.startswith(_FORMAT):
        raise PersonalDataUnreadable("unknown ciphertext format")
    nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as e:
        raise PersonalDataUnreadable("personal data does not decrypt with this key") from e


def new_data_key() -> bytes:
    """A fresh random data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class KeyWrapper:
    """Wraps and unwraps data keys with the master key; the wrapped key is bound to its owner."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"the master key must be {KEY_BYTES} bytes")
        self._master = master_key

    def wrap(self, data_key: bytes, owner_aad: bytes) -> bytes:
        """The data key encrypted by the master key, bound to its owner."""
        return seal(self._master, data_key, owner_aad)

    def unwrap(self, wrapped_key: bytes, owner_aad: bytes) -> bytes:
        """The data key of this owner; raises `PersonalDataUnreadable` for a wrong master key or owner."""
        return unseal(self._master, wrapped_key, owner_aad)


class BlindIndexer:
    """Keyed digests of normalised values (de-duplication keys)."""

    def __init__(self, index_key: bytes) -> None:
        if len(index_key) != KEY_BYTES:
            raise ValueError(f"the index key must be {KEY_BYTES} bytes")
        self._key = index_key

    def digest(self, kind: str, normalised: str) -> bytes:
        """The digest of one normalised value; the kind is part of the message, so kinds never collide."""
        return hmac.digest(self._key, f"{kind}\x1f{normalised}".encode(), "sha256")


def decode_key(value: str, variable: str) -> bytes:
    """A key given in the settings as base64 of 32 bytes; `ValueError` naming the variable otherwise."""
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"{variable} is not valid base64") from e
    if len(key) != KEY_BYTES:
        raise ValueError(f"{variable} must be {KEY_BYTES} bytes once base64-decoded, not {len(key)}")
    return key


def development_key(name: str) -> bytes:
    """A fixed key derived from a public string, for development only (local data stays readable across runs)."""
    return hashlib.sha256(f"ali-development-{name}".encode()).digest()
