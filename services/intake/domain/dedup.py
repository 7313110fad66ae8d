"""De-duplication of referrals: the keys tried in order (NIR, allocataire x role, name x birth date), and matching.

Keys are compared as blind indexes (keyed digests): intake never needs the plaintext to find a duplicate. A
match on a weaker key is refused when both persons have a stronger key and it differs: two people with the
same name and birth date but different NIRs are two people. Merging two people would show one person's
file to the other's caseworker; keeping a duplicate is the lesser harm.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.nir import person_part


class DedupKind(StrEnum):
    """The de-duplication keys, strongest first."""

    NIR = "nir"
    ALLOCATAIRE = "allocataire"
    NAME_BIRTH = "name_birth"


ORDER: tuple[DedupKind, ...] = (DedupKind.NIR, DedupKind.ALLOCATAIRE, DedupKind.NAME_BIRTH)

# The digests of one referral's keys, by kind (absent when the referral lacks that key).
Keys = Mapping[DedupKind, bytes]


def fold_name(text: str) -> str:
    """Lower-case letters and digits only: `Éloïse-Marie` and `eloise marie` match, `N'Diaye` and `NDIAYE` too."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def dedup_keys(cmd: ReferBeneficiary) -> dict[DedupKind, str]:
    """The normalised plaintext of each key a referral has; only their digests are ever stored."""
    keys = {DedupKind.NAME_BIRTH: f"{fold_name(cmd.last_name)}|{fold_name(cmd.first_name)}|{cmd.birth_date}"}
    if cmd.nir:
        keys[DedupKind.NIR] = person_part(cmd.nir)
    if cmd.allocataire_number and cmd.allocataire_role:
        keys[DedupKind.ALLOCATAIRE] = f"{cmd.allocataire_number}|{cmd.allocataire_role}"
    return keys


@dataclass(frozen=True)
class IndexEntry:
    """One blind-index entry: a key digest of one beneficiary."""

    kind: DedupKind
    digest: bytes
    beneficiary_id: UUID


class DedupIndex:
    """The index entries known so far, searchable by key and by person."""

    def __init__(self, entries: Iterable[IndexEntry] = ()) -> None:
        self._by_key: dict[tuple[DedupKind, bytes], list[UUID]] = defaultdict(list)
        self._by_person: dict[UUID, dict[DedupKind, bytes]] = defaultdict(dict)
        for entry in entries:
            self.add(entry)

    def add(self, entry: IndexEntry) -> None:
        """Know one more entry."""
        holders = self._by_key[(entry.kind, entry.digest)]
        if entry.beneficiary_id not in holders:
            holders.append(entry.beneficiary_id)
        self._by_person[entry.beneficiary_id][entry.kind] = entry.digest

    def add_person(self, beneficiary_id: UUID, keys: Keys) -> list[IndexEntry]:
        """Know a new person's keys; returns their entries."""
        entries = [IndexEntry(kind, digest, beneficiary_id) for kind, digest in keys.items()]
        for entry in entries:
            self.add(entry)
        return entries

    def match(self, keys: Keys) -> UUID | None:
        """The person these keys designate: the first key, strongest first, held by a non-contradicting person."""
        for rank, kind in enumerate(ORDER):
            digest = keys.get(kind)
            if digest is None:
                continue
            for candidate in self._by_key.get((kind, digest), ()):
                if not self._contradicts(keys, self._by_person[candidate], ORDER[:rank]):
                    return candidate
        return None

    @staticmethod
    def _contradicts(keys: Keys, known: Mapping[DedupKind, bytes], stronger: Iterable[DedupKind]) -> bool:
        return any(kind in keys and kind in known and keys[kind] != known[kind] for kind in stronger)
