"""What reading a spreadsheet may cost, whatever its format: rows and cells read (blank ones included), columns kept,
sizes unpacked. Past a limit, reading stops with a French message (ImportFileError)."""

MAX_ROWS = 1000  # a communal plan has tens of actions; more is a wrong file (a whole export, a filled-down sheet)
MAX_COLUMNS = 400
HEADER_SEARCH_ROWS = 20  # the header may sit under a title of a few lines
MAX_LINES_READ = 2000  # rows read, blank ones included: the rows an import takes, a title and some blank lines
MAX_CELLS_READ = 500_000  # cells read, empty ones included
MAX_CELLS_PER_ROW = 16_384  # the widest row a spreadsheet has
MAX_LINE_LENGTH = 200_000  # characters on one CSV line
MAX_UNCOMPRESSED_SIZE = 50 * 1024 * 1024  # an XLSX or ODS is a zip: refuse one that would unpack to more than this
MAX_LOADED_PARTS_SIZE = 20 * 1024 * 1024  # the parts loaded whole (shared strings, styles), unpacked
MAX_SHARED_STRINGS = 100_000  # distinct texts of a workbook: a full 1,000-row import has a few tens of thousands


class ImportFileError(Exception):
    """A file that cannot be read as a table; the message is French and says what to do."""


def limit_text(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


class ReadBudget:
    """What a reader may go through: rows (blank included) and cells (empty included). Past either, reading stops
    with a French message."""

    def __init__(self):
        self.rows = 0
        self.cells = 0

    def row(self) -> None:
        self.rows += 1
        if self.rows > MAX_LINES_READ:
            raise ImportFileError(
                f"Le fichier compte plus de {limit_text(MAX_LINES_READ)} lignes, lignes vides comprises : un import en "
                f"prend au plus {limit_text(MAX_ROWS)}. Supprimez les lignes vides sous le tableau (ou copiez le seul "
                "tableau dans un nouveau fichier), puis déposez-le à nouveau."
            )

    def cell(self, count: int = 1) -> None:
        self.cells += count
        if self.cells > MAX_CELLS_READ:
            raise ImportFileError(
                f"Le fichier compte plus de {limit_text(MAX_CELLS_READ)} cellules, vides comprises : gardez dans le fichier "
                "le seul tableau à importer (sans lignes ni colonnes vides mises en forme), puis déposez-le à nouveau."
            )
