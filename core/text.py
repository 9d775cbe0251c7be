"""Text the portal accepts and writes out: control characters removed.

XML 1.0 (so XLSX) cannot hold the C0 control characters other than tab, line feed and carriage return, nor
U+FFFE/U+FFFF or lone surrogates: openpyxl refuses such a cell with IllegalCharacterError. A vertical tab
pasted from a word processor into meeting minutes made every spreadsheet export of the meetings fail.
"""

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strip_control_characters(text: str) -> str:
    """`text` without the characters no XML document (and so no XLSX cell) may hold; tab and line breaks kept."""
    return CONTROL_CHARACTERS.sub("", text)


class ControlCharactersStrippedMixin:
    """A form whose text values lose their control characters once cleaned, before the model gets them."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = strip_control_characters(value)
        return cleaned
