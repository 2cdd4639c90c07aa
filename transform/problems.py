"""Problem codes: everything that could not be read, or was read with a caveat.

Every code is described here once; the data dictionary lists them from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES: dict[str, tuple[str, str]] = {
    # code: (stage, meaning)
    "empty_file": ("read", "The file has no content."),
    "unsupported_format": ("read", "The bytes are not a format gongkai reads (yet)."),
    "unreadable_docx": ("read", "A Word file whose package or XML cannot be read."),
    "legacy_word": ("read", "An old binary Word file; it needs conversion before reading."),
    "encrypted": ("read", "The document is password-protected."),
    "zip_bomb": ("read", "A compressed package that would expand beyond safe limits."),
    "unsafe_xml": ("read", "The document's XML declares a DTD or entities, which real "
                   "reports never do and XML attacks (entity expansion, external entities "
                   "reading files or URLs) rely on; refused, nothing expanded or fetched."),
    "undecodable_text": ("read", "No text encoding decodes the file."),
    "read_error": ("read", "The reader failed on this file; the message says how."),
    "read_warning": ("read", "The reader noticed something it could not represent; the "
                     "message starts with the reader's own code."),
    "converter_missing": ("read", "LibreOffice is needed for this format and is not "
                          "installed (scripts/setup installs it)."),
    "conversion_failed": ("read", "LibreOffice could not open or convert the document."),
    "conversion_timeout": ("read", "LibreOffice did not finish converting within its time "
                           "limit; it was stopped."),
    "docx_hidden_merged_text": ("read", "A Word cell merged away still holds text Word does "
                                "not show; it was not read."),
    "docx_alt_chunk": ("read", "Part of the Word body is an embedded document (altChunk); "
                       "not read."),
    "docx_styles_unreadable": ("read", "The Word styles part is broken; headings were "
                               "recognised without it."),
    "unreadable_pdf": ("read", "The PDF is damaged or truncated and cannot be read."),
    "pdf_truncated": ("read", "The PDF has no end-of-file marker (cut short); what could be "
                      "read was read."),
    "pdf_unruled_table": ("read", "A table without ruling lines was rebuilt from text "
                          "alignment; its cells are less certain."),
    "too_many_pages": ("read", "The PDF (or multi-frame image) has more pages than a report "
                       "can have; refused before reading them."),
    "no_text_layer": ("read", "The PDF has no usable text layer and OCR is not available."),
    "unreadable_image": ("read", "The image file cannot be decoded."),
    "image_too_large": ("read", "The image declares more pixels (in one frame or in all "
                        "together) than any scanned report has; refused before decoding."),
    "html_undecodable_bytes": ("read", "Some bytes of the page decode in no encoding; they "
                               "were replaced (U+FFFD)."),
    "html_truncated": ("read", "The page exceeds 8 MB once inline images are dropped, or the "
                       "HTML parser's limits; it was read as far as the cut."),
    "html_unparsable": ("read", "The page's markup could not be parsed; its text was read "
                        "with the tags stripped."),
    "identical_source": ("read", "The same bytes were found at another path; read once."),
    "not_a_report": ("interpret", "The document has no standard table and does not read as "
                     "an annual report."),
    "no_standard_tables": ("interpret", "An annual report without the national tables "
                           "(a pre-2019 free-form report)."),
    "table_missing": ("interpret", "One of the standard tables 二/三/四 was not found."),
    "duplicate_table": ("interpret", "A standard table is printed more than once; the "
                        "largest copy was read."),
    "template_hybrid": ("interpret", "The tables mix labels of both template versions; the "
                        "nearest template was used."),
    "template_uncertain": ("interpret", "The tables do not tell the template version; it was "
                           "taken from the report year."),
    "unmapped_row": ("interpret", "A table row the contract has no code for (kept whole in "
                     "the message)."),
    "unlabelled_cell": ("interpret", "A value in a column without a recognised header; not "
                        "published as a fact."),
    "column_count_mismatch": ("interpret", "A row has fewer value cells than its header has "
                              "columns; the row was not read."),
    "duplicate_row_summed": ("interpret", "A row printed more than once; its values were "
                             "summed."),
    "duplicate_row_ignored": ("interpret", "A row printed more than once in a table whose "
                              "rows cannot be summed; the first was kept."),
    "unparsed_value": ("interpret", "A value cell holds text that is not a number; value is "
                       "null."),
    "unit_unstated": ("interpret", "A money amount with no unit in its cell or header; "
                      "published as printed with unit = unstated."),
    "unexpected_unit": ("interpret", "A count cell carries a money unit."),
    "year_missing": ("metadata", "The year the report covers could not be determined."),
    "place_unresolved": ("metadata", "The body's place could not be matched to one "
                         "division code."),
    "check_failed": ("checks", "A sum the template demands does not hold (see checks)."),
    "needs_review": ("checks", "A value read by OCR with low confidence, or an OCR-read "
                     "table whose arithmetic fails: check it against the source."),
    "timeout": ("build", "Reading the document took longer than the per-document time "
                "limit; its parser process was stopped and the build went on."),
    "memory_limit": ("build", "Reading the document needed more memory than the "
                     "per-document limit; its parser process was stopped."),
    "worker_crashed": ("build", "The parser process died while reading this document (the "
                       "message gives the signal or exit code); read again once, it died "
                       "again."),
    "internal_error": ("build", "An unexpected error while processing this document; the "
                       "message has the details."),
}


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    location: str | None = None

    @property
    def stage(self) -> str:
        return CODES[self.code][0]

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"undeclared problem code {self.code!r}")
