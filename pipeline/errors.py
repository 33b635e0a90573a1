"""Errors the CLI turns into one line on stderr and a non-zero exit."""


class FrievalError(Exception):
    """A problem the user can act on. str(err) is the whole one-line message."""


class InputError(FrievalError):
    """Bad input: the message names the file, column, row and what was expected."""

    def __init__(self, file: str, expectation: str, column: str | None = None, row: int | None = None):
        parts = [str(file)]
        if column is not None:
            parts.append(f"column {column}")
        if row is not None:
            parts.append(f"row {row}")
        super().__init__(": ".join([", ".join(parts), expectation]))
        self.file, self.column, self.row, self.expectation = file, column, row, expectation
