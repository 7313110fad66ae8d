"""French messages for the validation errors of request data (pydantic's error types), without the input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

_BUILT_IN = frozenset(get_args(ErrorType))

# Error type -> message, formatted with the error's context (`ctx`); types not listed get a generic message.
_MESSAGES: dict[str, str] = {
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "JSON illisible ({error})",
    "json_type": "JSON attendu",
    "model_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "dict_type": "objet attendu",
    "list_type": "liste attendue",
    "set_type": "liste attendue",
    "tuple_type": "liste attendue",
    "string_type": "texte attendu",
    "string_unicode": "texte illisible",
    "string_too_short": "au moins {min_length} caractère(s)",
    "string_too_long": "au plus {max_length} caractères",
    "string_pattern_mismatch": "format non reconnu",
    "too_short": "au moins {min_length} élément(s)",
    "too_long": "au plus {max_length} éléments",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "finite_number": "nombre fini attendu",
    "decimal_type": "nombre attendu",
    "decimal_parsing": "nombre attendu",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "multiple_of": "doit être un multiple de {multiple_of}",
    "bool_type": "booléen attendu (true ou false)",
    "bool_parsing": "booléen attendu (true ou false)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date sans heure attendue (AAAA-MM-JJ)",
    "date_past": "la date doit être passée",
    "date_future": "la date doit être future",
    "datetime_type": "date et heure attendues (ISO 8601)",
    "datetime_parsing": "date et heure attendues (ISO 8601)",
    "datetime_from_date_parsing": "date et heure attendues (ISO 8601)",
    "uuid_type": "identifiant UUID attendu",
    "uuid_parsing": "identifiant UUID attendu",
    "uuid_version": "identifiant UUID attendu",
    "enum": "valeur non reconnue ; valeurs possibles : {expected}",
    "literal_error": "valeur non reconnue ; valeurs possibles : {expected}",
    "union_tag_invalid": "type non reconnu ; valeurs possibles : {expected_tags}",
    "union_tag_not_found": "le champ {discriminator} est obligatoire",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "url_parsing": "adresse web invalide",
    "url_type": "adresse web attendue",
    "frozen_instance": "champ non modifiable",
    "none_required": "aucune valeur attendue",
    "is_instance_of": "valeur invalide",
    "recursion_loop": "données trop imbriquées",
}


def french(error: Mapping[str, Any]) -> str:
    """The French message of one validation error: from its type, else the message a validator of ours wrote."""
    kind = error.get("type", "")
    ctx = {key: _readable(value) for key, value in (error.get("ctx") or {}).items()}
    template = _MESSAGES.get(kind)
    if template is not None:
        try:
            return template.format(**ctx)
        except (KeyError, IndexError, ValueError):
            return template.split(" ;")[0].split("{")[0].strip() or "valeur invalide"
    # Our own validators (PydanticCustomError, with types of their own) write French; pydantic's English is not
    # shown.
    if kind and kind not in _BUILT_IN:
        return str(error.get("msg", "valeur invalide"))
    return f"valeur invalide ({kind})" if kind else "valeur invalide"


def _readable(value: Any) -> str:
    """A context value as text (an exception from a validator: its message)."""
    text = str(value)
    return text.removeprefix("Value error, ")
