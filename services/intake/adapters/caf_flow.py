"""The CAF/MSA beneficiary flow (XML, schema `vrsb0801`: `Racine` > `IdentificationFlux`, `InfosFoyerRSA`...).

Each `InfosFoyerRSA` is one household's RSA file: its allocataire number (`IdentificationRSA/Organisme/
MATRICULE`), its people (`Personne`: `Identification` with NOM, PRENOM, DTNAI, NIR; `Prestations` with NATPREST
RSA and ROLEPERS DEM or CJT; `MontantCalculDroitRSAPersonne/TOPPERSDRODEVORSA`, whether the person is subject to
the rights and duties that lead to an orientation), its address (`DonneesAdministratives/Adresse/
AdresseDetailleeFrance`: NUMCOM, CODEPOS, NOMCOM) and the state of the right (`PrestationRSA/SituationDossierRSA/
EtatDossierRSA/ETATDOSRSA`, with `FinDroit` or `FinDroitMoisAnterieur`: MOTICLORSA, DTCLORSA). The same elements
are read by the department's other tools (carnet de bord reads IdentificationFlux, MATRICULE, ETATDOSRSA, NIR,
TOPPERSDRODEVORSA, MOTICLORSA and DTCLORSA the same way).

One row per demandeur or conjoint, at the line of their `Personne` element. The flow's creation date
(`DTCREAFLUX`) is the orientation date of the people it brings.
"""

from __future__ import annotations

import io
from datetime import date

from lxml import etree

from services.intake.adapters.sources import RsaRights, SourceFile, SourceRow
from services.intake.domain.errors import InvalidReferralFile
from services.intake.domain.mapping import FileFormat, MappingProfile, Target
from shared.contracts.intake import HouseholdType, RsaRightsClosureReason, RsaRightsState

STATES = {
    "0": RsaRightsState.PENDING,
    "1": RsaRightsState.REFUSED,
    "2": RsaRightsState.OPEN,
    "3": RsaRightsState.OPEN_SUSPENDED,
    "4": RsaRightsState.PAYMENT_SUSPENDED,
    "5": RsaRightsState.CLOSED,
    "6": RsaRightsState.CLOSED_EARLIER,
}
REASONS = {
    "PCG": RsaRightsClosureReason.DEPARTMENT_DECISION,
    "ECH": RsaRightsClosureReason.EXPIRY,
    "EFF": RsaRightsClosureReason.RMI_SWITCH_CANCELLED,
    "MUT": RsaRightsClosureReason.MOVED_TO_ANOTHER_FUND,
    "RGD": RsaRightsClosureReason.FILES_MERGED,
    "RFD": RsaRightsClosureReason.STRUCK_OFF_END_OF_RIGHT,
    "RAU": RsaRightsClosureReason.STRUCK_OFF_OTHER,
    "RST": RsaRightsClosureReason.STRUCK_OFF_RSTA,
    "RSO": RsaRightsClosureReason.STRUCK_OFF_RSO,
}
ROLES = {"DEM": "demandeur", "CJT": "conjoint"}
# Rights that lead to an orientation; the others are reported but enrol nobody.
ORIENTED = (RsaRightsState.OPEN, RsaRightsState.OPEN_SUSPENDED, RsaRightsState.PAYMENT_SUSPENDED)


def _text(node: etree._Element, path: str) -> str | None:
    value = node.findtext(path)
    return value.strip() if value and value.strip() else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _rights(foyer: etree._Element) -> RsaRights | str:
    situation = foyer.find("PrestationRSA/SituationDossierRSA")
    code = _text(situation, "EtatDossierRSA/ETATDOSRSA") if situation is not None else None
    state = STATES.get(code or "")
    if state is None:
        return f"état du droit RSA (ETATDOSRSA) « {code or ''} » inconnu"
    end = situation.find("FinDroit")
    if end is None:
        end = situation.find("FinDroitMoisAnterieur")
    if end is None:
        return RsaRights(state)
    reason = REASONS.get(_text(end, "MOTICLORSA") or "", RsaRightsClosureReason.UNKNOWN)
    return RsaRights(state, _date(_text(end, "DTCLORSA")), reason)


def _address(foyer: etree._Element) -> dict[Target, str | None]:
    addresses = foyer.findall("DonneesAdministratives/Adresse")
    current = next((a for a in addresses if _text(a, "TroncCommunAdresse/RGADR") in ("1", "01")), None)
    detail = current if current is not None else (addresses[0] if addresses else None)
    detail = detail.find("AdresseDetailleeFrance") if detail is not None else None
    if detail is None:
        return {}
    street = " ".join(p for p in (_text(detail, t) for t in ("NUMVOIE", "LIBTYPEVOIE", "NOMVOIE")) if p)
    insee = _text(detail, "NUMCOM")
    return {
        Target.COMMUNE_CODE: insee if insee and len(insee) == 5 else None,
        Target.POSTCODE: _text(detail, "CODEPOS"),
        Target.TOWN: _text(detail, "NOMCOM"),
        Target.ADDRESS: street or None,
    }


def _rsa_role(person: etree._Element) -> str | None:
    for benefit in person.findall("Prestations"):
        if _text(benefit, "NATPREST") == "RSA":
            return _text(benefit, "ROLEPERS")
    return None


def _household(roles: list[str | None], children: int) -> HouseholdType:
    couple = "DEM" in roles and "CJT" in roles
    if couple:
        return HouseholdType.COUPLE_WITH_CHILDREN if children else HouseholdType.COUPLE
    return HouseholdType.SINGLE_PARENT if children else HouseholdType.SINGLE


def _foyer_rows(foyer: etree._Element, flow_date: date | None, source: str) -> list[SourceRow]:
    people = foyer.findall("Personne")
    roles = [_rsa_role(p) for p in people]
    rights = _rights(foyer)
    children_text = _text(foyer, "PrestationRSA/DetailDroitRSA/TroncCommunDroitRSA/NBENFAUTCHA") or "0"
    children = int(children_text) if children_text.isdigit() else 0
    common = {
        Target.ALLOCATAIRE_NUMBER: _text(foyer, "IdentificationRSA/Organisme/MATRICULE"),
        Target.HOUSEHOLD_TYPE: _household(roles, children).value,
        Target.CHILDREN: str(children),
        Target.ORIENTATION_DATE: flow_date,
        Target.REFERRAL_SOURCE: source,
        **_address(foyer),
    }
    rows = []
    for person, role in zip(people, roles, strict=True):
        if role not in ROLES:
            continue  # children and other members of the household are not referred
        line = person.sourceline or foyer.sourceline or 0
        if isinstance(rights, str):
            rows.append(SourceRow(line, error=rights))
            continue
        values = {
            **common,
            Target.LAST_NAME: _text(person, "Identification/NOM") or _text(person, "Identification/NOMNAI"),
            Target.FIRST_NAME: _text(person, "Identification/PRENOM"),
            Target.BIRTH_DATE: _text(person, "Identification/DTNAI"),
            Target.NIR: _text(person, "Identification/NIR"),
            Target.ALLOCATAIRE_ROLE: ROLES[role],
        }
        subject = _text(person, "MontantCalculDroitRSAPersonne/TOPPERSDRODEVORSA")
        skipped = None
        if subject in ("0", "false"):
            skipped = "non soumis aux droits et devoirs du RSA : pas d'orientation"
        elif rights.state not in ORIENTED and not rights.state.closed:
            skipped = f"droit RSA non ouvert ({rights.state.value}) : pas d'orientation"
        rows.append(SourceRow(line, values=values, skipped=skipped, rights=rights))
    return rows


def read_caf_flow(data: bytes, profile: MappingProfile) -> SourceFile:
    """The demandeurs and conjoints of a CAF/MSA beneficiary flow, with their household's RSA right."""
    flow_date: date | None = None
    rows: list[SourceRow] = []
    parser = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag=("IdentificationFlux", "InfosFoyerRSA"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _, element in parser:
            if element.tag == "IdentificationFlux":
                flow_date = _date(_text(element, "DTCREAFLUX"))
                if flow_date is None:
                    raise InvalidReferralFile("flux CAF/MSA : IdentificationFlux/DTCREAFLUX absente ou invalide")
            else:
                rows.extend(_foyer_rows(element, flow_date, profile.referral_source))
                element.clear(keep_tail=True)
    except etree.XMLSyntaxError as e:
        raise InvalidReferralFile(f"flux CAF/MSA illisible, ligne {e.lineno} : {e.msg}") from e
    if flow_date is None:
        raise InvalidReferralFile("ce n'est pas un flux bénéficiaires CAF/MSA (pas d'élément IdentificationFlux)")
    return SourceFile(rows, FileFormat.CAF_XML, "xml", None, {}, [], flow_date)
