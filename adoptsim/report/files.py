"""Writing the report to a file, as HTML or PDF."""

from __future__ import annotations

from pathlib import Path

from adoptsim.errors import InputError
from adoptsim.files import write_file
from adoptsim.report.content import Report
from adoptsim.report.html_page import html
from adoptsim.report.pdf_page import pdf
from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result


def write(
    source: Result | Comparison | Report,
    path: str | Path,
    fmt: str | None = None,
    question: str | None = None,
) -> Path:
    """Write the report to ``path`` as ``fmt`` ('html' or 'pdf'; default from the suffix).

    ``source`` is a result, a comparison, or a :class:`Report` already built from one.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "html").lower()
    if fmt not in ("html", "pdf"):
        raise InputError(f"unknown report format {fmt!r}; allowed: html, pdf", source=str(path))
    if fmt == "html":
        page = html(source, question).encode("utf-8")
        return write_file(path, lambda tmp: tmp.write_bytes(page))
    return write_file(path, lambda tmp: pdf(source, tmp, question))
