"""How a figure reads in French, wherever it appears (the hub, the diagnostic, its PDF): one home for it."""

from decimal import Decimal

NOT_PROVIDED = "non fourni par la source"
NARROW_NBSP = "\u202f"


def french_number(value: Decimal | int) -> str:
    """12 345,6: thin space between thousands, decimal comma, no trailing zeros, at most two decimals."""
    number = Decimal(value).quantize(Decimal("0.01"))
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def display_value(value_number, value_text: str, unit: str) -> str:
    """A figure's value with its unit; a figure the source did not provide says so, never 0."""
    if value_number is not None:
        text = french_number(value_number)
        if unit == "%":
            return f"{text}{NARROW_NBSP}%"
        if abs(Decimal(value_number)) < 2 and unit.endswith("s") and " " not in unit:
            unit = unit[:-1]  # French singular below 2: « 1 cantine », « 1,5 entreprise », « 0 bilan »
        return f"{text} {unit}".strip()
    return value_text or NOT_PROVIDED
