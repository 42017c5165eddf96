"""Options several commands share, declared once so their names and help never drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Use periods up to this one (e.g. 2025-Q2).")
]
Config = Annotated[
    Path | None,
    typer.Option("--config", help="A cipms.toml whose settings override the Settings sheet."),
]
