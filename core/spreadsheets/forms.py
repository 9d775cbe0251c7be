from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError

from core.spreadsheets.columns import ColumnMap
from core.spreadsheets.reading import ImportFileError, ParsedTable, parse_table, read_upload


class SpreadsheetImportForm(forms.Form):
    """The file to import: refused with a French message when it cannot be read as the template's table."""

    file = forms.FileField(
        label="Fichier à importer",
        help_text="Classeur Excel (.xlsx), LibreOffice (.ods) ou fichier CSV (séparateur point-virgule ou virgule), "
        "10 Mo au plus, sur le modèle téléchargeable ci-dessus.",
        error_messages={"required": "Choisissez le fichier à importer.", "empty": "Le fichier est vide."},
    )

    def __init__(self, *args, columns: ColumnMap, sheet_names: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.sheet_names = sheet_names
        self.parsed: ParsedTable | None = None
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.ods,.csv"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            self.parsed = parse_table(read_upload(uploaded, self.columns, sheet_names=self.sheet_names), self.columns)
        except ImportFileError as error:
            raise ValidationError(str(error), code="unreadable") from error
        return uploaded
