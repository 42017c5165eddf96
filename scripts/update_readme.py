"""Refresh the sessions in README.md from real runs.

A fenced block that follows a line ``<!-- run: COMMAND -->`` is replaced by the command
and its real output (stdout and stderr, as a terminal 120 columns wide shows them, without
colour). Run from the repository root with cipms installed:

    python scripts/update_readme.py
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!-- run: (?P<cmd>.+?) -->\n```(?P<lang>\w*)\n.*?\n```", re.S)


def run(command: str) -> str:
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1", TERM="dumb")
    done = subprocess.run(
        command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    lines = (done.stdout + done.stderr).rstrip("\n").splitlines()
    return "\n".join(line.rstrip() for line in lines)


def refresh(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        command, lang = match["cmd"], match["lang"]
        shown = command.split(" 2>&1")[0]
        body = run(command)
        prefix = f"$ {shown}\n" if lang == "console" else ""
        return f"<!-- run: {command} -->\n```{lang}\n{prefix}{body}\n```"

    return MARKER.sub(replace, text)


def main() -> None:
    path = ROOT / "README.md"
    path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
