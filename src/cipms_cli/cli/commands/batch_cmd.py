"""cipms batch PATH..."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cipms_cli.cli import console
from cipms_cli.cli.options import AsOf
from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from cipms_cli.batch.returns import FileReturn, FileSummary
    from cipms_cli.batch.run import BatchResult


class BatchFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"
    XLSX = "xlsx"
    MD = "md"


def batch(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Returns to read: files, folders (searched for .xlsx .xlsm .xls .ods) or - "
            "to read a list of paths from stdin, one per line."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write: a folder for csv (one file per table), else a file.",
        ),
    ] = None,
    fmt: Annotated[
        BatchFormat | None,
        typer.Option("--format", "-f", help="csv (default), json, jsonl, xlsx or md."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Files read in parallel [default: all cores]."),
    ] = None,
    as_of: AsOf = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors on stderr; no progress bar.")
    ] = False,
) -> None:
    """Validate, combine, score and benchmark many agencies' returns in one run.

    Each agency's returns are merged into one series per indicator, scored as by
    `cipms score`, and compared across agencies (ranks, quartiles, funnel plots).
    A bad file is reported and skipped; all the others are still used.
    Exit 0 all files ok, 1 any file invalid or unreadable or returns conflicting,
    2 usage, 130 interrupted. Tables and columns: docs/batch.md.
    """
    with console.handled():
        from cipms_cli.batch.discover import STDIN, discover
        from cipms_cli.batch.run import default_jobs

        chosen = _resolve_format(fmt, output)
        _check_as_of(as_of)
        files = discover(paths, sys.stdin if STDIN in paths else None)
        reporter = _Reporter(len(files), quiet)
        with reporter:
            if chosen == BatchFormat.JSONL:
                result = _stream_jsonl(files, output, jobs or default_jobs(), reporter)
            else:
                from cipms_cli.batch.run import run_batch

                result = run_batch(
                    files,
                    jobs=jobs or default_jobs(),
                    as_of=as_of,
                    on_file=reporter.file_done,
                    encode_csv=chosen == BatchFormat.CSV,
                )
        if chosen != BatchFormat.JSONL:
            try:
                _write(result, chosen, output, files)
            except BrokenPipeError:
                # The reader left early (`| head`): the files' verdict still decides the
                # exit status, so that a script with pipefail sees an invalid file.
                console.silence_broken_pipe()
        reporter.report(result)
        raise typer.Exit(ExitCode.OK if result.all_ok else ExitCode.INVALID)


def _resolve_format(fmt: BatchFormat | None, output: Path | None) -> str:
    from cipms_cli.cli.emit import resolve_format

    return resolve_format(
        fmt.value if fmt else None, output, [f.value for f in BatchFormat], BatchFormat.CSV.value
    )


def _check_as_of(as_of: str | None) -> None:
    if as_of is None:
        return
    from cipms_cli.errors import UsageError
    from cipms_cli.periods import PeriodError, parse_as_of

    try:
        parse_as_of(as_of)
    except PeriodError as exc:
        raise UsageError(f"--as-of: {exc}") from None


def _stream_jsonl(
    files: list[str], output: Path | None, jobs: int, reporter: _Reporter
) -> BatchResult:
    """One line per file as it is read; to -o, the file appears only once complete."""
    import contextlib

    from cipms_cli.batch.outputs import jsonl_line
    from cipms_cli.batch.run import run_batch
    from cipms_cli.output.atomic import atomic_open

    with contextlib.ExitStack() as stack:
        sink: Any = (
            sys.stdout if output is None else stack.enter_context(atomic_open(output, "w", files))
        )

        def on_file(ret: FileReturn) -> None:
            reporter.file_done(ret)
            sink.write(jsonl_line(ret.unpacked()))
            sink.flush()  # a consumer (or `| head`) sees each file as soon as it is done

        return run_batch(files, jobs=jobs, on_file=on_file, analyse=False)


def _write(result: BatchResult, chosen: str, output: Path | None, files: list[str]) -> None:
    from cipms_cli.batch import outputs
    from cipms_cli.cli.emit import emit_bytes, emit_stream, emit_text

    if chosen == BatchFormat.CSV:
        if output is None or output.suffix.lower() == ".csv":
            emit_text(outputs.csv_text(result, outputs.STDOUT_CSV_TABLE), output, files)
        else:
            outputs.write_csv_folder(output, result, files)
        return
    if chosen == BatchFormat.JSON:
        emit_stream(lambda out: outputs.write_json_document(out, result), output, files)
    elif chosen == BatchFormat.MD:
        emit_text(outputs.markdown_text(result), output, files)
    elif chosen == BatchFormat.XLSX:
        emit_bytes(outputs.xlsx_bytes(result), output, files)


class _Reporter:
    """Progress on stderr (a bar only on a terminal), then failures and the summary line."""

    def __init__(self, total: int, quiet: bool):
        self.total = total
        self.quiet = quiet
        self.failed = 0
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Reporter:
        if not self.quiet and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("reading"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]}"),
                console=console.stderr_console(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("files", total=self.total, failed="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def file_done(self, ret: FileReturn) -> None:
        if ret.status.value != "ok":
            self.failed += 1
        if self._progress is not None:
            failed = f"{self.failed} failed" if self.failed else ""
            self._progress.update(self._task, advance=1, failed=failed)

    def report(self, result: BatchResult) -> None:
        from cipms_cli.batch.returns import FileStatus

        for f in result.files:
            if f.status is not FileStatus.OK:
                console.err(_failure_line(f))
        for p in result.problems:
            if p.severity.value == "error" or not self.quiet:
                console.err(f"{p.severity.value} [{p.code}] {p.message}")
        if self.quiet and result.all_ok:
            return
        console.err(_summary_line(result))


def _failure_line(f: FileSummary) -> str:
    first = f.first_error
    if first is None:
        return f"{f.path}: {f.status.value}"
    where = first.location.removeprefix(f.path).lstrip("!")
    errors = f"{f.error_count} error{'s' if f.error_count != 1 else ''}"
    detail = (
        f"{where}: [{first.code}] {first.message}" if where else f"[{first.code}] {first.message}"
    )
    return f"{f.path}: {f.status.value} ({errors}): {detail}"


def _summary_line(result: BatchResult) -> str:
    from cipms_cli.batch.returns import FileStatus

    line = (
        f"{len(result.files)} files: {result.count(FileStatus.OK)} ok, "
        f"{result.count(FileStatus.INVALID)} invalid, "
        f"{result.count(FileStatus.UNREADABLE)} unreadable"
    )
    errors = sum(p.severity.value == "error" for p in result.problems)
    warnings = len(result.problems) - errors
    extra = [
        f"{n} merge {word}{'s' if n != 1 else ''}"
        for n, word in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    return line + (f"; {', '.join(extra)}" if extra else "")
