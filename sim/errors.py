"""Errors that the command line reports as one line with exit code 2."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with control characters escaped (a newline in a file name, a terminal
    escape sequence in a value), so an error stays one line and shows what it names."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


class NegsimError(Exception):
    """A user-facing error: printed as one line, exit code 2, no traceback."""


class ScenarioError(NegsimError, ValueError):
    """A scenario file (or an override) is invalid.

    Attributes
    ----------
    path : str or None
        The file the error is in (``<--set>`` for a command-line override).
    line, column : int or None
        1-based position in the file, when known.
    key_path : str or None
        Dotted path of the offending key, e.g. ``actors.delta.patience``.
    message : str
        What is wrong, e.g. ``must be in (0, 1] (got 1.5)``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        key_path: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.key_path = key_path
        super().__init__(self.format())

    def format(self) -> str:
        """``FILE:LINE:COL: key.path: message``, leaving out the parts that are unknown."""
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.key_path}: " if self.key_path else ""
        return printable(f"{where}{key}{self.message}")


class Stopped(KeyboardInterrupt):
    """A stop signal (SIGINT, SIGTERM, SIGHUP) turned into an exception, so the code that
    cleans up after Ctrl-C cleans up after each of them. ``signum`` is the signal."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signum)
