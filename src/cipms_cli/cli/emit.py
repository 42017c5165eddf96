"""Send a command's data to stdout or to ``-o``, atomically."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from cipms_cli.errors import UsageError

TEXT_SUFFIXES = {
    "json": (".json",),
    "csv": (".csv",),
    "md": (".md", ".markdown"),
    "jsonl": (".jsonl", ".ndjson"),
}


def resolve_format(
    fmt: str | None, output: Path | None, allowed: Sequence[str], default: str
) -> str:
    """The format, from --format or else the -o extension; a mismatch is a usage error."""
    by_suffix = None
    if output is not None:
        suffix = output.suffix.lower()
        for name in allowed:
            if suffix in TEXT_SUFFIXES.get(name, (f".{name}",)):
                by_suffix = name
    if fmt is None:
        return by_suffix or default
    if fmt not in allowed:
        raise UsageError(f"--format must be one of {', '.join(allowed)}")
    if output is not None and by_suffix is not None and by_suffix != fmt:
        raise UsageError(
            f"-o {output} has a .{by_suffix} extension but --format is {fmt}; make them agree"
        )
    if output is not None and fmt == "xlsx" and output.suffix.lower() != ".xlsx":
        raise UsageError(f"-o {output}: an xlsx output needs a .xlsx file name")
    return fmt


def emit_text(text: str, output: Path | None, inputs: Sequence[str]) -> None:
    emit_stream(lambda out: out.write(text), output, inputs)


def emit_stream(
    write: Callable[[IO[str]], object], output: Path | None, inputs: Sequence[str]
) -> None:
    """Text to stdout, or atomically to ``output``, from a writer that may write it a
    piece at a time."""
    if output is None:
        write(sys.stdout)
        sys.stdout.flush()
        return
    from cipms_cli.output.atomic import atomic_open

    with atomic_open(output, "w", inputs) as handle:
        write(handle)


def emit_bytes(data: bytes, output: Path | None, inputs: Sequence[str]) -> None:
    if output is None:
        if sys.stdout.isatty():
            raise UsageError("binary output (xlsx) needs -o FILE.xlsx or a redirect")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from cipms_cli.output.atomic import write_bytes

    write_bytes(output, data, inputs)
