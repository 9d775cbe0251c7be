"""The PDFs' fonts are subset by HarfBuzz (libharfbuzz-subset0): WeasyPrint's fallback, fontTools, spends 0.3 s of CPU
per document decompiling DejaVu Sans' kerning tables it then drops, more than the whole layout of a one-page document
(issue 26, docs/adr/0010). .ci/run and docs/deploy.md install the library; this test says so if it goes missing."""

from weasyprint.text import ffi


def test_pdf_fonts_are_subset_by_harfbuzz():
    assert ffi.harfbuzz_subset is not None, "apt-get install libharfbuzz-subset0 (docs/deploy.md)"
    assert ffi.harfbuzz.hb_version_atleast(4, 1, 0)  # what WeasyPrint asks of HarfBuzz to subset with it
