"""In-memory fake of the private text store: texts in a dict, "encrypted" by being kept apart per owner."""

from __future__ import annotations

from shared.private_text import (
    ERASED,
    MISSING,
    PersonalDataErased,
    PrivateTexts,
    Revealed,
    TextRefTaken,
    TextState,
)


class InMemoryPrivateTexts(PrivateTexts):
    """Texts per reference and the set of erased owners."""

    def __init__(self) -> None:
        self.texts: dict = {}  # ref -> (owner, text | None)
        self.erased: dict = {}  # owner -> erased_on

    async def seal(self, conn, owner, texts):
        if not texts:
            return
        if owner in self.erased:
            raise PersonalDataErased("this person's personal data was erased")
        for ref, text in texts.items():
            if ref in self.texts and self.texts[ref][0] != owner:
                raise TextRefTaken("this id is already used elsewhere")
            self.texts[ref] = (owner, text)

    async def reveal(self, conn, refs):
        found = {}
        for ref in refs:
            if ref not in self.texts:
                found[ref] = MISSING
            else:
                owner, text = self.texts[ref]
                found[ref] = ERASED if owner in self.erased else Revealed(TextState.AVAILABLE, text)
        return found

    async def erase(self, conn, owner, erased_on):
        if owner in self.erased:
            return False
        self.erased[owner] = erased_on
        self.texts = {ref: (o, None if o == owner else t) for ref, (o, t) in self.texts.items()}
        return True

    async def erased_among(self, conn, owners):
        return {o for o in owners if o in self.erased}
