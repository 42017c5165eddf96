"""Excel files that are the same bytes whenever their content is the same.

openpyxl's ``Workbook.save`` stamps the time of saving into the document properties and
into every zip entry, so two runs on the same data never gave the same file: an analyst
could not diff this quarter's outputs against a rerun, nor a test compare them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from typing import IO, Any

FIXED_TIMESTAMP = dt.datetime(2026, 1, 1)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold


class _UndatedZip(zipfile.ZipFile):
    """A zip whose entries all carry the same date and permissions."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        super().writestr(_entry(name), data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # openpyxl writes each worksheet from a temporary file: copy it in, still streamed.
        entry = _entry(arcname)
        entry.file_size = os.path.getsize(filename)  # so that a huge sheet gets ZIP64
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target)


def _entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.create_system = 3
    entry.external_attr = 0o644 << 16
    return entry


def workbook_bytes(wb: Any) -> bytes:
    """The workbook as .xlsx bytes, dated ``FIXED_TIMESTAMP`` throughout."""
    buffer = io.BytesIO()
    write_workbook(wb, buffer)
    return buffer.getvalue()


def write_workbook(wb: Any, target: IO[bytes]) -> None:
    from openpyxl.writer.excel import ExcelWriter

    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    wb.properties.created = wb.properties.modified = FIXED_TIMESTAMP
    ExcelWriter(wb, _UndatedZip(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
