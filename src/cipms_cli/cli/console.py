"""Terminal plumbing shared by the commands: stderr messages, error mapping, exit codes."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class State:
    debug: bool = False


state = State()


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    from rich.console import Console

    class _Stdout(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; a reader that went away (`| head`) is not a failed check,
            # so hand it to handled(), which exits 0 quietly.
            raise BrokenPipeError

    return _Stdout(highlight=False, soft_wrap=False)


def err(message: str) -> None:
    """One line on stderr."""
    print(f"cipms: {message}", file=sys.stderr, flush=True)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Map library exceptions to one stderr line and the documented exit code."""
    from cipms_cli.errors import OutputError, TemplateError, UnreadableInput, UsageError

    try:
        yield
    except typer.Exit:
        raise
    except BrokenPipeError:
        silence_broken_pipe()
        raise typer.Exit(ExitCode.OK) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except UnreadableInput as exc:
        _report(exc, ExitCode.UNREADABLE)
    except (UsageError, OutputError) as exc:
        _report(exc, ExitCode.USAGE)
    except TemplateError as exc:
        _report(exc, ExitCode.INVALID)
    except Exception as exc:
        if state.debug:
            raise
        err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        raise typer.Exit(ExitCode.INVALID) from None


def _report(exc: Exception, code: ExitCode) -> None:
    if state.debug:
        raise exc
    err(str(exc))
    raise typer.Exit(code) from None


def silence_broken_pipe() -> None:
    # The reader went away (e.g. `| head`); point stdout at devnull so the final flush is quiet.
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
