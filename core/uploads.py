"""The portal's one upload validator, and the one way to hand a stored file back to a user.

Every upload of the portal (workshop resources, support-request documents, order-form scans…) goes
through it. In a form:

    class ResourceForm(forms.ModelForm):
        class Meta:
            model = Resource
            fields = ["title", "file"]
            field_classes = {"file": UploadField}     # size, type from the content, clean file name

On the model, store under an unguessable folder (files are never served from a public URL):

    file = models.FileField("fichier", upload_to=UploadPath("ateliers/ressources"), blank=True)

In the view that serves it, after the visibility fetch:

    return attachment_response(resource.file)

Rules: 10 Mo at most; the type is detected from the CONTENT (magic numbers; ODF and OOXML documents
are zip archives, recognised by their `mimetype` member or their `[Content_Types].xml`) and must be in
the allowlist below (PDF, ODF and OOXML office documents, PNG, JPEG); the declared extension must name
that same type; the file name is reduced to its last component with only harmless characters (no path,
no HTML). Macro-enabled Office documents are refused. Error messages are French.
"""

import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible

MAX_UPLOAD_SIZE = 10 * 1024 * 1024
MAX_FILENAME_LENGTH = 120
# A zip member we read to identify an office document; real ones are a few kilobytes.
MAX_MANIFEST_SIZE = 256 * 1024


@dataclass(frozen=True)
class FileType:
    mime: str
    extensions: tuple[str, ...]
    label: str


ALLOWED_TYPES: tuple[FileType, ...] = (
    FileType("application/pdf", ("pdf",), "document PDF"),
    FileType("application/vnd.oasis.opendocument.text", ("odt",), "texte OpenDocument"),
    FileType("application/vnd.oasis.opendocument.spreadsheet", ("ods",), "tableur OpenDocument"),
    FileType("application/vnd.oasis.opendocument.presentation", ("odp",), "présentation OpenDocument"),
    FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",), "document Word"),
    FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), "classeur Excel"),
    FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ("pptx",),
        "présentation PowerPoint",
    ),
    FileType("image/png", ("png",), "image PNG"),
    FileType("image/jpeg", ("jpg", "jpeg"), "image JPEG"),
)
TYPES_BY_MIME = {file_type.mime: file_type for file_type in ALLOWED_TYPES}
TYPES_BY_EXTENSION = {extension: file_type for file_type in ALLOWED_TYPES for extension in file_type.extensions}
ALLOWED_EXTENSIONS = tuple(TYPES_BY_EXTENSION)

# OOXML: the content type of the main part, declared in [Content_Types].xml, names the document kind.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}

HELP_TEXT = (
    "PDF, document bureautique (OpenDocument, Word, Excel, PowerPoint), image PNG ou JPEG ; 10 Mo au plus. "
    "Le type est vérifié sur le contenu du fichier."
)
MESSAGES = {
    "empty": "Le fichier est vide.",
    "too_large": "Le fichier « %(name)s » fait %(size)s : la taille maximale est de 10 Mo.",
    "no_extension": (
        "Le nom du fichier « %(name)s » n'a pas d'extension : seuls les fichiers PDF, OpenDocument, Word, Excel, "
        "PowerPoint, PNG et JPEG sont acceptés."
    ),
    "extension_not_allowed": (
        "Les fichiers « .%(extension)s » ne sont pas acceptés : seuls les fichiers PDF, OpenDocument (.odt, .ods, "
        ".odp), Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG et JPEG sont acceptés."
    ),
    "type_not_allowed": (
        "Le contenu du fichier « %(name)s » n'est pas d'un type accepté (PDF, OpenDocument, Word, Excel, "
        "PowerPoint, PNG, JPEG). Les documents avec macros ne sont pas acceptés."
    ),
    "extension_mismatch": (
        "Le fichier « %(name)s » porte l'extension « .%(extension)s » mais son contenu est un %(detected)s : "
        "l'extension doit correspondre au contenu."
    ),
}


@dataclass(frozen=True)
class CheckedUpload:
    """What the validator found: the detected type and the sanitised file name."""

    file_type: FileType
    filename: str

    @property
    def mime(self) -> str:
        return self.file_type.mime


def _french_size(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.1f} Mo".replace(".", ",")


def sanitize_filename(name: str, *, default_stem: str = "document") -> str:
    """The last path component of `name` with only letters, digits, spaces and `-_.,()+` left.

    No directory, no control characters, no HTML or shell metacharacters, no leading dot; at most
    120 characters (the extension is kept); an empty result becomes `document.<extension>`.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r"[^\w\s\-.,()+]", "_", name)
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"_{2,}", "_", name)
    name = re.sub(r"\.{2,}", ".", name).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.lower()[:10]
    stem = stem.strip(" ._") or default_stem
    suffix = f".{extension}" if extension else ""
    stem = stem[: MAX_FILENAME_LENGTH - len(suffix)].rstrip(" ._") or default_stem
    return f"{stem}{suffix}"


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _read_member(archive: zipfile.ZipFile, member: str) -> bytes | None:
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    if info.file_size > MAX_MANIFEST_SIZE:
        return None
    return archive.read(info)


def _detect_zip_document(handle) -> str | None:
    """The MIME type of an ODF or OOXML document, from the archive's own declarations (None otherwise)."""
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None
            odf_mimetype = _read_member(archive, "mimetype")
            if odf_mimetype is not None:
                mime = odf_mimetype.decode("ascii", errors="replace").strip()
                return mime if mime.startswith("application/vnd.oasis.opendocument.") else None
            manifest = _read_member(archive, "[Content_Types].xml")
            if manifest is None:
                return None
            text = manifest.decode("utf-8", errors="replace")
            found = {mime for part, mime in OOXML_MAIN_PARTS.items() if f'"{part}"' in text}
            return found.pop() if len(found) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return None


def detect_mime(handle) -> str | None:
    """The MIME type of a file-like object, read from its content only (None when unknown)."""
    handle.seek(0)
    head = handle.read(8192)
    handle.seek(0)
    if not head:
        return None
    if head.startswith(b"PK\x03\x04"):
        mime = _detect_zip_document(handle)
        handle.seek(0)
        return mime
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def validate_upload(uploaded) -> CheckedUpload:
    """Check an uploaded file; raise ValidationError with a French message, or return its type and safe name."""
    original_name = getattr(uploaded, "name", "") or ""
    safe_name = sanitize_filename(original_name)
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, 2)
        size = uploaded.tell()
        uploaded.seek(0)
    if not size:
        raise ValidationError(MESSAGES["empty"], code="empty")
    if size > MAX_UPLOAD_SIZE:
        raise ValidationError(
            MESSAGES["too_large"], code="too_large", params={"name": safe_name, "size": _french_size(size)}
        )
    extension = _extension(safe_name)
    if not extension:
        raise ValidationError(MESSAGES["no_extension"], code="no_extension", params={"name": safe_name})
    if extension not in TYPES_BY_EXTENSION:
        raise ValidationError(
            MESSAGES["extension_not_allowed"], code="extension_not_allowed", params={"extension": extension}
        )
    detected = TYPES_BY_MIME.get(detect_mime(uploaded))
    if detected is None:
        raise ValidationError(MESSAGES["type_not_allowed"], code="type_not_allowed", params={"name": safe_name})
    if extension not in detected.extensions:
        raise ValidationError(
            MESSAGES["extension_mismatch"],
            code="extension_mismatch",
            params={"name": safe_name, "extension": extension, "detected": detected.label},
        )
    return CheckedUpload(file_type=detected, filename=safe_name)


class UploadField(forms.FileField):
    """A form file field that runs `validate_upload` and renames the file to its sanitised name."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", HELP_TEXT)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ",".join(f".{extension}" for extension in ALLOWED_EXTENSIONS))

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        # Only a new upload is checked; an already stored file (initial) was checked when it came in.
        if cleaned and cleaned is not initial and hasattr(cleaned, "content_type"):
            checked = validate_upload(cleaned)
            cleaned.name = checked.filename
            cleaned.content_type = checked.mime
        return cleaned


@deconstructible
class UploadPath:
    """`upload_to` that stores each file as `<prefix>/<random folder>/<sanitised name>` (unguessable, no clash)."""

    def __init__(self, prefix: str):
        self.prefix = prefix.strip("/")

    def __call__(self, instance, filename: str) -> str:
        return f"{self.prefix}/{uuid.uuid4().hex}/{sanitize_filename(filename)}"

    def __eq__(self, other):
        return isinstance(other, UploadPath) and other.prefix == self.prefix

    def __hash__(self):
        return hash(self.prefix)


def display_filename(field_file) -> str:
    """The name a stored file is offered under (its last component, sanitised)."""
    return sanitize_filename(PurePosixPath(field_file.name or "").name)


def attachment_response(field_file, *, filename: str | None = None) -> FileResponse:
    """Serve a stored file as a download: `Content-Disposition: attachment`, `nosniff`, no caching by proxies.

    The content type comes from the allowlist (the file was checked on the way in); anything else is
    sent as `application/octet-stream`. A missing file is a 404. Call it only after the visibility check.
    """
    if not field_file:
        raise Http404("Aucun fichier.")
    name = sanitize_filename(filename or display_filename(field_file))
    file_type = TYPES_BY_EXTENSION.get(_extension(name))
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("Fichier introuvable.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=file_type.mime if file_type else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
