"""Writing the report to a file, as HTML or PDF."""

from __future__ import annotations

from pathlib import Path

from adoptsim.errors import InputError
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
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        path.write_text(html(source, question), encoding="utf-8")
        return path
    return pdf(source, path, question)
