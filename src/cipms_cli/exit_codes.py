"""The process exit statuses, defined once for every command."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1  # the data is invalid or a check failed
    USAGE = 2
    UNREADABLE = 3  # an input could not be read at all
    INTERRUPTED = 130
