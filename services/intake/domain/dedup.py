"""De-duplication of referrals: the keys tried in order (NIR, allocataire x role, name x birth date), and matching.

Keys are compared as blind indexes (keyed digests): intake never needs the plaintext to find a duplicate. A
match on a weaker key is refused when both persons have a stronger key and it differs: two people with the
same name and birth date but different NIRs are two people. Merging two people would show one person's
file to the other's caseworker; keeping a duplicate is the lesser harm.

Names are compared in every script (`names.exact_form`). The transliterated name (`names.latin_form`) is a
weaker key that never merges anyone: a referral that shares only it with a known person creates a new
beneficiary and names the other as a *possible duplicate*, for a caseworker to confirm.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.names import exact_form, latin_form
from services.intake.domain.nir import person_part


class DedupKind(StrEnum):
    """The de-duplication keys, strongest first."""

    NIR = "nir"
    ALLOCATAIRE = "allocataire"
    # Names in every script (NFKC, case folding). The key of the first version ("name_birth") kept only ASCII
    # letters; it is replaced by this one when intake starts (see `service_layer.reindex`).
    NAME_BIRTH = "name_birth_nfkc"
    NAME_BIRTH_LATIN = "name_birth_latin"


# The kind of the first version's name key, only read by the re-index that replaces it.
LEGACY_NAME_BIRTH = "name_birth"

# Keys that designate a person on their own, strongest first; the Latin name only suggests one.
ORDER: tuple[DedupKind, ...] = (DedupKind.NIR, DedupKind.ALLOCATAIRE, DedupKind.NAME_BIRTH)
WEAK: tuple[DedupKind, ...] = (DedupKind.NAME_BIRTH_LATIN,)
# Keys whose disagreement proves two different people.
NUMBERS: tuple[DedupKind, ...] = (DedupKind.NIR, DedupKind.ALLOCATAIRE)

# The digests of one referral's keys, by kind (absent when the referral lacks that key).
Keys = Mapping[DedupKind, bytes]


def name_keys(first_name: str, last_name: str, birth_date: object) -> dict[DedupKind, str]:
    """The plaintext of the name keys of a person (the Latin one absent when the name has no Latin form)."""
    keys = {DedupKind.NAME_BIRTH: f"{exact_form(last_name)}|{exact_form(first_name)}|{birth_date}"}
    latin_last, latin_first = latin_form(last_name), latin_form(first_name)
    if latin_last and latin_first:
        keys[DedupKind.NAME_BIRTH_LATIN] = f"{latin_last}|{latin_first}|{birth_date}"
    return keys


def dedup_keys(cmd: ReferBeneficiary) -> dict[DedupKind, str]:
    """The normalised plaintext of each key a referral has; only their digests are ever stored."""
    keys = name_keys(cmd.first_name, cmd.last_name, cmd.birth_date)
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


@dataclass(frozen=True)
class Match:
    """The person a referral designates, and the key that found them."""

    beneficiary_id: UUID
    kind: DedupKind


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

    def match(self, keys: Keys) -> Match | None:
        """The person these keys designate: the first key, strongest first, held by a non-contradicting person."""
        for rank, kind in enumerate(ORDER):
            digest = keys.get(kind)
            if digest is None:
                continue
            for candidate in self._by_key.get((kind, digest), ()):
                if not self._contradicts(keys, self._by_person[candidate], ORDER[:rank]):
                    return Match(candidate, kind)
        return None

    def possible_duplicates(self, keys: Keys, *, besides: UUID | None = None) -> list[UUID]:
        """People sharing only a weak key with these keys, whose numbers do not prove them someone else."""
        found: list[UUID] = []
        for kind in WEAK:
            digest = keys.get(kind)
            if digest is None:
                continue
            for candidate in self._by_key.get((kind, digest), ()):
                if candidate != besides and candidate not in found:
                    if not self._contradicts(keys, self._by_person[candidate], NUMBERS):
                        found.append(candidate)
        return found

    @staticmethod
    def _contradicts(keys: Keys, known: Mapping[DedupKind, bytes], stronger: Iterable[DedupKind]) -> bool:
        return any(kind in keys and kind in known and keys[kind] != known[kind] for kind in stronger)
