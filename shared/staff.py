"""Staff members as events and read models name them: a uuid, never a name typed by someone.

The identity provider's subject (`sub`) is used as it is when it is a uuid (Keycloak's are); any other subject
(a login, an opaque string) is turned into a uuid derived from it, the same every time.
"""

from __future__ import annotations

import uuid
from uuid import UUID

_STAFF_NAMESPACE = uuid.UUID("9a4e2c71-5b3d-4f08-a6e1-0d8c7b2f5e93")


def staff_id(subject: str) -> UUID:
    """The uuid naming the staff member of this subject."""
    try:
        return UUID(subject)
    except ValueError:
        return uuid.uuid5(_STAFF_NAMESPACE, subject)
