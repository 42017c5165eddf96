"""Write outputs atomically, and never over an input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from cipms_cli.errors import OutputError


def check_not_input(target: Path, inputs: Iterable[str | Path]) -> None:
    """Refuse a target that is one of the inputs, by name, link or hard link.

    A target that does not exist yet cannot be an input, so a batch writing its tables
    into a new folder does not stat a thousand inputs for each table.
    """
    try:
        written = os.stat(target)
    except OSError:
        return
    for source in inputs:
        if str(source) == "-":
            continue
        try:
            read = os.stat(source)
        except OSError:
            continue
        if (read.st_dev, read.st_ino) == (written.st_dev, written.st_ino):
            raise OutputError(
                f"refusing to write over the input file {source}; choose another -o path",
                path=str(target),
            )


@contextlib.contextmanager
def atomic_open(target: Path, mode: str = "wb", inputs: Iterable[str | Path] = ()) -> Iterator[IO]:
    """A temporary file beside ``target``, renamed over it only when the block succeeds."""
    target = Path(target)
    check_not_input(target, inputs)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"folder {directory} does not exist; create it first", path=str(target))
    if target.is_dir():
        raise OutputError("is a folder; give a file name", path=str(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write here ({exc.strerror})", path=str(target)) from None
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes(target: Path, data: bytes, inputs: Iterable[str | Path] = ()) -> None:
    with atomic_open(target, "wb", inputs) as handle:
        handle.write(data)


def write_text(target: Path, text: str, inputs: Iterable[str | Path] = ()) -> None:
    with atomic_open(target, "w", inputs) as handle:
        handle.write(text)
