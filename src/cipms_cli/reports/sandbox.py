"""Render a user's own Jinja template (``cipms report --template``) safely.

The template runs in Jinja's ``ImmutableSandboxedEnvironment`` against the documented
report context (plain data only) and:

- may not reach Python internals: attributes or keys starting with ``_``, ``mro`` and the
  like are refused before rendering, with the line; the sandbox refuses the rest at run
  time (``SecurityError``);
- may not build a huge value in one step: ``*`` and ``**`` on huge sizes, and very wide
  ``center``/``indent``/``wordwrap``, are refused;
- may write at most MAX_OUTPUT_CHARS characters, checked as the output streams;
- may run for at most MAX_SECONDS, checked between output chunks and on every template
  line (a trace hook), so a long loop that writes nothing is stopped too. A single call
  that runs inside Python's C code (one enormous string operation the checks above do not
  catch) cannot be interrupted until it returns.

Every failure is a TemplateError with one line naming the template and, where known,
its line number.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
)
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.filters import do_center, do_indent, do_wordwrap
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from cipms_cli.errors import TemplateError, UsageError
from cipms_cli.reports.templates import ENVIRONMENT_OPTIONS, add_filters, templates_dir

MAX_OUTPUT_CHARS = 5_000_000
MAX_SECONDS = 10.0
MAX_WIDTH = 1_000  # for center, indent and wordwrap
MAX_EXPONENT_DIGITS = 10_000
INTERNAL_NAMES = {
    "mro",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "cr_code",
    "ag_frame",
    "ag_code",
    "f_globals",
    "f_locals",
    "f_builtins",
    "tb_frame",
    "func_globals",
}


class _Stop(Exception):
    """Raised inside the render when a limit is passed."""


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, refusing operators that build huge values in one step."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif operator == "**":
            _check_power(left, right)
        return super().call_binop(context, operator, left, right)


def _check_repeat(sequence: Any, times: Any) -> None:
    repeated = isinstance(sequence, str | list | tuple) and isinstance(times, int)
    if repeated and len(sequence) * times > MAX_OUTPUT_CHARS:
        raise SecurityError("repeating a value that many times would make it too large")


def _check_power(base: Any, exponent: Any) -> None:
    numbers = isinstance(base, int | float) and isinstance(exponent, int | float)
    if numbers and abs(base) > 1 and abs(exponent) * math.log10(abs(base)) > MAX_EXPONENT_DIGITS:
        raise SecurityError("the power is too large to compute")


def _width_checked(filter_function: Callable[..., Any], position: int) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        width = kwargs.get("width", args[position] if len(args) > position else None)
        if isinstance(width, int) and width > MAX_WIDTH:
            raise SecurityError(f"a width above {MAX_WIDTH} is not allowed")
        return filter_function(*args, **kwargs)

    return checked


def sandbox_environment(folder: Path) -> LimitedSandbox:
    """The user's folder first, then the shipped templates (so they can be included)."""
    env = LimitedSandbox(
        loader=ChoiceLoader(
            [FileSystemLoader(str(folder)), FileSystemLoader(str(templates_dir()))]
        ),
        **ENVIRONMENT_OPTIONS,
    )
    add_filters(env)
    env.filters["center"] = _width_checked(do_center, 1)
    env.filters["indent"] = _width_checked(do_indent, 1)
    env.filters["wordwrap"] = _width_checked(do_wordwrap, 2)
    return env


def render_user_template(
    path: Path,
    context: dict[str, Any],
    max_chars: int | None = None,
    max_seconds: float | None = None,
) -> str:
    """Raises UsageError when the file cannot be read, TemplateError for anything else.

    The limits default to MAX_OUTPUT_CHARS and MAX_SECONDS, read at call time.
    """
    max_chars = MAX_OUTPUT_CHARS if max_chars is None else max_chars
    max_seconds = MAX_SECONDS if max_seconds is None else max_seconds
    source = _read(path)
    env = sandbox_environment(path.parent)
    try:
        tree = env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}", path=str(path)) from None
    refuse_internals(tree, path)
    template = env.get_template(path.name)
    try:
        return _render(template, context, max_chars, max_seconds)
    except Exception as exc:
        files = {str(path), template.filename or path.name}
        raise _as_template_error(exc, path, _line_of(exc.__traceback__, files)) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--template {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"--template {path} is a folder; give a template file") from None
    except UnicodeDecodeError:
        raise UsageError(f"--template {path} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"--template {path} cannot be read ({exc.strerror})") from None


def refuse_internals(tree: nodes.Template, path: Path) -> None:
    """Refuse, before running anything, a template that names a Python internal."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name = _reached_name(node)
        if name is not None and (name.startswith("_") or name in INTERNAL_NAMES):
            raise TemplateError(
                f"line {node.lineno}: the template tries to reach the Python internal "
                f"'{name}'; templates may use only the report context (docs/report-context.md)",
                path=str(path),
            )


def _reached_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value if isinstance(node.arg.value, str) else None
    if isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
        first = node.args[0]
        if isinstance(first, nodes.Const) and isinstance(first.value, str):
            return first.value
    return None


def _render(template: Any, context: dict[str, Any], max_chars: int, max_seconds: float) -> str:
    deadline = time.monotonic() + max_seconds
    chunks: list[str] = []
    size = 0
    previous = sys.gettrace()
    sys.settrace(_deadline_tracer(deadline, max_seconds))
    try:
        for chunk in _chunks(template, context):
            size += len(chunk)
            if size > max_chars:
                raise _Stop(f"the output passed {max_chars:,} characters; rendering stopped")
            if time.monotonic() > deadline:
                raise _Stop(_too_slow(max_seconds))
            chunks.append(chunk)
    finally:
        sys.settrace(previous)
    return "".join(chunks)


def _chunks(template: Any, context: dict[str, Any]) -> Iterator[str]:
    yield from template.generate(**context)


def _too_slow(max_seconds: float) -> str:
    return f"rendering took longer than {max_seconds:g} seconds; rendering stopped"


def _deadline_tracer(deadline: float, max_seconds: float) -> Any:
    """A trace hook: after the deadline, any call or any line of template code stops."""

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _Stop(_too_slow(max_seconds))
        return on_line

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _Stop(_too_slow(max_seconds))
        # Only compiled template code is traced line by line; library code runs at full speed.
        return on_line if _is_template_code(frame.f_code.co_filename) else None

    return on_call


def _is_template_code(filename: str) -> bool:
    return filename.endswith(".j2") or filename == "<template>"


def _as_template_error(exc: Exception, path: Path, where: int | None) -> TemplateError:
    if isinstance(exc, TemplateError):
        return exc
    prefix = f"line {where}: " if where else ""
    if isinstance(exc, _Stop):
        message = str(exc)
    elif isinstance(exc, SecurityError):
        message = (
            f"{prefix}the template tried to reach Python internals or to build a huge value "
            f"({exc}); templates may use only the report context (docs/report-context.md)"
        )
    elif isinstance(exc, TemplateSyntaxError):
        message = f"{exc.filename or exc.name}: line {exc.lineno}: {exc.message}"
    elif isinstance(exc, UndefinedError):
        message = f"{prefix}{exc.message}; see docs/report-context.md for the names"
    elif isinstance(exc, TemplateNotFound):
        message = f"{prefix}template {exc.name!r} not found"
    elif isinstance(exc, RecursionError):
        message = f"{prefix}the template recurses too deeply"
    elif isinstance(exc, JinjaTemplateError):
        message = f"{prefix}{exc.message or type(exc).__name__}"
    else:
        message = f"{prefix}{type(exc).__name__}: {exc}"
    return TemplateError(message, path=str(path))


def _line_of(tb: TracebackType | None, files: set[str]) -> int | None:
    """The last template line in the traceback (Jinja rewrites frames to template lines)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
