import io
import zipfile

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile, FileField
from django.http import Http404

from core.uploads import (
    MAX_UPLOAD_SIZE,
    UploadField,
    UploadPath,
    attachment_response,
    sanitize_filename,
    validate_upload,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def odt() -> bytes:
    return zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})


def docx(main=DOCX_MAIN, extra=None) -> bytes:
    manifest = f'<Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'.encode()
    return zip_bytes({"[Content_Types].xml": manifest, "word/document.xml": b"<w:document/>", **(extra or {})})


def xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Commune", "Population"])
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def content_id(value):
    """A file's content is named "content" in the test ids: zip and xlsx files carry the time they were built, and
    pytest-xdist's workers must collect the same ids."""
    return "content" if isinstance(value, bytes) else None


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("compte-rendu.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("note.odt", odt(), "application/vnd.oasis.opendocument.text"),
        ("note.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("tableau.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
    ids=content_id,
)
def test_allowed_types_are_detected_from_their_content(name, content, mime):
    assert validate_upload(upload(name, content)).mime == mime


def test_oversized_file_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("gros.pdf", PDF + b"0" * MAX_UPLOAD_SIZE))
    assert error.value.code == "too_large"
    assert "la taille maximale est de 10 Mo" in error.value.messages[0]
    assert "10,0 Mo" in error.value.messages[0]


def test_file_of_exactly_ten_megabytes_is_accepted():
    assert validate_upload(upload("juste.pdf", PDF + b"0" * (MAX_UPLOAD_SIZE - len(PDF)))).mime == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [("image.pdf", PNG, "image PNG"), ("rapport.docx", PDF, "document PDF"), ("tableur.xlsx", odt(), "texte")],
    ids=content_id,
)
def test_extension_that_does_not_match_the_content_is_refused(name, content, detected):
    with pytest.raises(ValidationError) as error:
        validate_upload(upload(name, content))
    assert error.value.code == "extension_mismatch"
    assert "l'extension doit correspondre au contenu" in error.value.messages[0]
    assert detected in error.value.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("page.pdf", b"<html><script>alert(1)</script></html>", "type_not_allowed"),
        ("archive.docx", zip_bytes({"a.txt": b"hello"}), "type_not_allowed"),
        ("macro.docx", docx(main=DOCM_MAIN), "type_not_allowed"),
        ("macro2.docx", docx(extra={"word/vbaProject.bin": b"\x00"}), "type_not_allowed"),
        ("faux.odt", zip_bytes({"mimetype": b"application/x-evil"}), "type_not_allowed"),
        ("broken.docx", b"PK\x03\x04garbage", "type_not_allowed"),
        ("script.exe", b"MZ\x90\x00", "extension_not_allowed"),
        ("image.svg", b"<svg/>", "extension_not_allowed"),
        ("sans-extension", PDF, "no_extension"),
        ("vide.pdf", b"", "empty"),
    ],
    ids=content_id,
)
def test_content_outside_the_allowlist_is_refused(name, content, code):
    with pytest.raises(ValidationError) as error:
        validate_upload(upload(name, content))
    assert error.value.code == code
    assert error.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\élu\\Compte rendu.PDF", "Compte rendu.pdf"),
        ('<img src=x onerror="alert(1)">.png', "img src_x onerror_alert(1).png"),
        ("...cache.pdf", "cache.pdf"),
        ("nom\x00avec\x1fcontrôles.pdf", "nomaveccontrôles.pdf"),
        (".pdf", "document.pdf"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(raw, clean):
    assert sanitize_filename(raw) == clean
    assert "<" not in sanitize_filename(raw) and "/" not in sanitize_filename(raw)


class DocumentForm(forms.Form):
    document = UploadField(label="Document")


def test_upload_field_gives_a_french_form_error_and_renames_the_file():
    form = DocumentForm(files={"document": upload("photo.pdf", PNG)})
    assert not form.is_valid()
    assert "l'extension doit correspondre au contenu" in form.errors["document"][0]

    form = DocumentForm(files={"document": upload("../Ordre du jour <v2>.pdf", PDF)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["document"].name == "Ordre du jour _v2.pdf"
    assert form.cleaned_data["document"].content_type == "application/pdf"
    assert "accept" in DocumentForm().fields["document"].widget.attrs


def test_upload_path_is_unguessable_and_sanitised():
    path = UploadPath("ateliers/ressources")(None, "../<x>.pdf")
    prefix, folder, name = path.split("/", 2)[0], path.split("/")[2], path.split("/")[-1]
    assert path.startswith("ateliers/ressources/")
    assert prefix == "ateliers" and len(folder) == 32 and name == "x.pdf"
    assert UploadPath("ateliers/ressources")(None, "a.pdf") != UploadPath("ateliers/ressources")(None, "a.pdf")
    assert UploadPath("a").deconstruct()[2] == {} and UploadPath("a") == UploadPath("a")


def _stored(name, content) -> FieldFile:
    stored_name = default_storage.save(name, ContentFile(content))
    field = FileField(name="file")
    field.storage = default_storage
    return FieldFile(instance=None, field=field, name=stored_name)


@pytest.mark.django_db  # closing a response sends request_finished, which touches the connection
def test_attachment_response_headers():
    response = attachment_response(_stored("ressources/abc/Fiche <action>.pdf", PDF))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "<" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF
    response.close()


@pytest.mark.django_db
def test_attachment_response_for_unknown_extension_is_octet_stream_and_missing_file_is_404():
    response = attachment_response(_stored("ressources/abc/notes.txt", b"hello"))
    assert response["Content-Type"] == "application/octet-stream"
    response.close()
    field = FileField(name="file")
    field.storage = default_storage
    with pytest.raises(Http404):
        attachment_response(FieldFile(instance=None, field=field, name="ressources/absent.pdf"))
    with pytest.raises(Http404):
        attachment_response(FieldFile(instance=None, field=field, name=""))
