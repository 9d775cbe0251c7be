"""Reading a source's answer defensively: a missing or renamed field is « source indisponible ou modifiée »."""

from decimal import Decimal, InvalidOperation

from communes.portrait.http import changed


def field(data, *names, required: bool = True):
    """`data[names[0]]`, or the first of its spellings found (a documented alias such as camelCase).

    Missing and `required`: the source changed. Missing and optional: None (the source did not provide it)."""
    if not isinstance(data, dict):
        raise changed("la réponse n'a pas la forme attendue (objet JSON attendu)")
    for name in names:
        if name in data:
            return data[name]
    if required:
        raise changed(f"le champ « {names[0]} » est absent de la réponse")
    return None


def number(value, *, name: str) -> Decimal | None:
    """A number from the answer (None stays None: not provided); anything else means the source changed."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise changed(f"le champ « {name} » n'est plus un nombre")
    try:
        result = Decimal(str(value))
    except InvalidOperation as error:
        raise changed(f"le champ « {name} » n'est plus un nombre") from error
    if not result.is_finite():
        raise changed(f"le champ « {name} » n'est plus un nombre")
    return result


def listing(value, *, name: str) -> list:
    if not isinstance(value, list):
        raise changed(f"le champ « {name} » n'est plus une liste")
    return value
