"""Write outputs atomically, and never over an input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from cipms_cli.errors import OutputError


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_not_input(target: Path, inputs: Iterable[str | Path]) -> None:
    for source in inputs:
        if str(source) == "-":
            continue
        src = Path(source)
        if _same_file(target, src) or target.resolve() == src.resolve():
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
