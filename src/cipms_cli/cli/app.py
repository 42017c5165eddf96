"""The ``cipms`` command. Command modules import the library lazily, so --help stays fast."""

from __future__ import annotations

import gc
import sys
from typing import Annotated

import typer

from cipms_cli import __version__
from cipms_cli.cli import console
from cipms_cli.cli.commands import (
    batch_cmd,
    init_cmd,
    learners_cmd,
    plan_cmd,
    report_cmd,
    schema_cmd,
    score_cmd,
    spc_cmd,
    validate_cmd,
)
from cipms_cli.exit_codes import ExitCode

app = typer.Typer(
    name="cipms",
    help="Continuous Improvement Performance Management on local spreadsheets: "
    "validate workbooks, score indicators with statistical process control, "
    "and write improvement plans and scrutiny reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cipms {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    console.state.debug = debug


app.command("validate")(validate_cmd.validate)
app.command("score")(score_cmd.score)
app.command("plan")(plan_cmd.plan)
app.command("report")(report_cmd.report)
app.command("learners")(learners_cmd.learners)
app.command("spc")(spc_cmd.spc)
app.command("init")(init_cmd.init)
app.command("schema")(schema_cmd.schema)
app.command("batch")(batch_cmd.batch)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.err("interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    finally:
        # The process is ending: spare the interpreter's final collection, which walks
        # every object the command made (about 50 ms after a large workbook).
        gc.freeze()
