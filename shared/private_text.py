"""Free text that may carry personal data: kept only in the owning service's database, encrypted per owner.

Labels, subjects, partner names, notes, employer and contact names are what caseworkers type; anything can be
typed there (a name, a phone number, a diagnosis). So no such text goes into an event: the event carries an
opaque reference (`text_ref(item_id, field)`, a uuid derived from the item's id and the field's name), and the
text is stored by the service that owns it, AES-256-GCM-encrypted with the data key of its owner:

- a person (`Owner.person`): what is written about one beneficiary (plan, training needs, referrals, check-in
  notes, the training centre of their immersion). One intake erasure destroys this key in every service;
- an employer's contact (`Owner.contact`): the name of the person met and the notes of that contact, erasable
  on that contact's request without touching the employer;
- an employer (`Owner.employer`): its name (a sole trader's is a person's name) and its needs' titles and tasks;
- a workshop session (`Owner.workshop`): its title, which concerns no one person as a rule; when one names a
  person anyway, that title alone can be erased (a key per agency would take every title of the agency with it).

Destroying an owner's key (`PrivateTexts.erase`) makes each of its texts unreadable at once; reading one answers
`TextState.ERASED`, never an error. Once erased, an owner cannot receive new texts (`PersonalDataErased`, 409).
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from shared.errors import RuleViolation

_TEXT_NAMESPACE = uuid.UUID("3c0f5a7e-91d2-4b6a-8f3e-5d7c2a1b9e04")


def text_ref(item_id: object, field: str) -> UUID:
    """The reference of one free-text field of one item (an objective's label, a contact's notes...)."""
    return uuid.uuid5(_TEXT_NAMESPACE, f"{item_id}:{field}")


class OwnerKind(StrEnum):
    """Whose key encrypts a text."""

    PERSON = "person"
    CONTACT = "contact"
    EMPLOYER = "employer"
    WORKSHOP = "workshop"


@dataclass(frozen=True)
class Owner:
    """The owner of a data key: a kind and an id."""

    kind: OwnerKind
    id: str

    @classmethod
    def person(cls, beneficiary_id: UUID) -> Owner:
        """A beneficiary, by their pseudonymous id (the same in every service)."""
        return cls(OwnerKind.PERSON, str(beneficiary_id))

    @classmethod
    def contact(cls, contact_id: UUID) -> Owner:
        """One prospecting contact with an employer: the person met, and what was said."""
        return cls(OwnerKind.CONTACT, str(contact_id))

    @classmethod
    def employer(cls, employer_id: UUID) -> Owner:
        """An employer of the network."""
        return cls(OwnerKind.EMPLOYER, str(employer_id))

    @classmethod
    def workshop(cls, session_id: UUID) -> Owner:
        """A collective workshop session."""
        return cls(OwnerKind.WORKSHOP, str(session_id))

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, value: str) -> Owner:
        """The owner written as `kind:id`."""
        kind, _, owner_id = value.partition(":")
        return cls(OwnerKind(kind), owner_id)


class TextState(StrEnum):
    """Whether a text can be read."""

    AVAILABLE = "available"
    ERASED = "erased"
    # No text under this reference: none was given, or an old event's text was never moved here (see
    # `shared.legacy_texts`).
    MISSING = "missing"


@dataclass(frozen=True)
class Revealed:
    """A text as read back: its value when available."""

    state: TextState
    text: str | None = None

    @property
    def erased(self) -> bool:
        """True when the owner's key was destroyed."""
        return self.state == TextState.ERASED


MISSING = Revealed(TextState.MISSING)
ERASED = Revealed(TextState.ERASED)


@dataclass(frozen=True)
class TextView:
    """The texts of one owner as a response shows them: null once erased (with `erased` set), or never given."""

    erased: bool
    texts: Mapping[UUID, Revealed]

    def text(self, ref: UUID | None) -> str | None:
        """The text of a reference, or None (erased, or none)."""
        found = self.texts.get(ref) if ref is not None else None
        return found.text if found is not None else None

    @property
    def shown(self) -> bool:
        """True when at least one text is readable in it (the read is then worth an audit entry)."""
        return any(r.state == TextState.AVAILABLE for r in self.texts.values())


NO_TEXT = TextView(erased=False, texts={})


class PersonalDataErased(RuleViolation):
    """The owner's personal data was erased: no free text can be recorded about them any more."""


class TextRefTaken(RuleViolation):
    """An id given by the client is already used by an item of someone else."""


class PrivateTexts(abc.ABC):
    """Where a service keeps its free text, encrypted per owner."""

    @abc.abstractmethod
    async def seal(self, conn: Any, owner: Owner, texts: Mapping[UUID, str]) -> None:
        """Store texts under their references with the owner's key (made on first use); `PersonalDataErased`
        when the owner was erased. Storing a reference again replaces its text."""

    @abc.abstractmethod
    async def reveal(self, conn: Any, refs: Iterable[UUID]) -> dict[UUID, Revealed]:
        """The texts of these references (each one AVAILABLE, ERASED or MISSING)."""

    @abc.abstractmethod
    async def erase(self, conn: Any, owner: Owner, erased_on: date) -> bool:
        """Destroy the owner's key and texts; later seals are refused. False if already erased."""

    @abc.abstractmethod
    async def erased_among(self, conn: Any, owners: Iterable[Owner]) -> set[Owner]:
        """The owners, among these, whose key was destroyed."""

    async def is_erased(self, conn: Any, owner: Owner) -> bool:
        """True once the owner's key was destroyed."""
        return owner in await self.erased_among(conn, [owner])

    async def view(self, conn: Any, owner: Owner, refs: Iterable[UUID]) -> TextView:
        """An owner's texts for a response: whether the owner was erased, and each text."""
        refs = [r for r in refs if r is not None]
        if await self.is_erased(conn, owner):
            return TextView(erased=True, texts=dict.fromkeys(refs, ERASED))
        return TextView(erased=False, texts=await self.reveal(conn, refs) if refs else {})

    def view_beside(self, owner: Owner, refs: Iterable[UUID]) -> Any | None:
        """The read of `view` as a `shared.eventstore.Beside`, made with a stream's in one statement; None when this
        store reads texts only on their own (then `view`)."""
        return None

    def view_of(self, rows: Sequence[Any], refs: Iterable[UUID]) -> TextView:
        """The texts of `refs` from the rows of a `view_beside` read."""
        raise NotImplementedError("this store reads texts only on their own: view()")


def texts_of(pairs: Sequence[tuple[UUID | None, str | None]]) -> dict[UUID, str]:
    """The (reference, text) pairs that hold a text, as a mapping for `PrivateTexts.seal`."""
    return {ref: text for ref, text in pairs if ref is not None and text is not None}
