"""Exit (sortie) categories of the official French insertion reporting, and their groups."""

from __future__ import annotations

from enum import StrEnum


class ExitGroup(StrEnum):
    """Groups of exits; the first three together are the *sorties dynamiques*."""

    EMPLOI_DURABLE = "emploi_durable"
    EMPLOI_TRANSITION = "emploi_transition"
    SORTIE_POSITIVE = "sortie_positive"
    AUTRE_SORTIE = "autre_sortie"


class ExitCategory(StrEnum):
    """Reason an accompaniment ended."""

    CDI = "cdi"
    CDD_OR_TEMP_6_MONTHS_OR_MORE = "cdd_or_temp_6_months_or_more"
    CIVIL_SERVICE = "civil_service"
    BUSINESS_CREATION = "business_creation"
    CDD_OR_TEMP_UNDER_6_MONTHS = "cdd_or_temp_under_6_months"
    CONTRAT_AIDE = "contrat_aide"
    QUALIFYING_TRAINING = "qualifying_training"
    OTHER_SIAE_HIRE = "other_siae_hire"
    UNEMPLOYMENT = "unemployment"
    INACTIVITY = "inactivity"
    MOVED_AWAY = "moved_away"
    NO_NEWS = "no_news"
    HEALTH = "health"
    RETIREMENT = "retirement"
    DEATH = "death"
    END_OF_RSA_RIGHTS = "end_of_rsa_rights"

    @property
    def group(self) -> ExitGroup:
        """The official group this exit is counted in."""
        return EXIT_GROUPS[self]


EXIT_GROUPS: dict[ExitCategory, ExitGroup] = {
    ExitCategory.CDI: ExitGroup.EMPLOI_DURABLE,
    ExitCategory.CDD_OR_TEMP_6_MONTHS_OR_MORE: ExitGroup.EMPLOI_DURABLE,
    ExitCategory.CIVIL_SERVICE: ExitGroup.EMPLOI_DURABLE,
    ExitCategory.BUSINESS_CREATION: ExitGroup.EMPLOI_DURABLE,
    ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS: ExitGroup.EMPLOI_TRANSITION,
    ExitCategory.CONTRAT_AIDE: ExitGroup.EMPLOI_TRANSITION,
    ExitCategory.QUALIFYING_TRAINING: ExitGroup.SORTIE_POSITIVE,
    ExitCategory.OTHER_SIAE_HIRE: ExitGroup.SORTIE_POSITIVE,
    **{
        c: ExitGroup.AUTRE_SORTIE
        for c in (
            ExitCategory.UNEMPLOYMENT,
            ExitCategory.INACTIVITY,
            ExitCategory.MOVED_AWAY,
            ExitCategory.NO_NEWS,
            ExitCategory.HEALTH,
            ExitCategory.RETIREMENT,
            ExitCategory.DEATH,
            ExitCategory.END_OF_RSA_RIGHTS,
        )
    },
}
