"""Errors raised by the file-format readers and writers.

Every error names where the problem is (file, line or element) so that a finance user can
find it in the file the bank sent.
"""

from __future__ import annotations


class FormatError(ValueError):
    """A file that cannot be read as the format it claims to be, or that is not whole."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.element = element
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [
            part
            for part in (
                self.filename,
                f"line {self.line}" if self.line is not None else None,
                f"element {self.element}" if self.element else None,
            )
            if part
        ]
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def with_filename(self, filename: str) -> FormatError:
        """The same error, of the same kind, naming the file (readers often learn the name late)."""
        return type(self)(self.message, filename=filename, line=self.line, element=self.element)


class UnknownFormatError(FormatError):
    """The bytes match none of the formats we read."""


class FileTooLargeError(FormatError):
    """The file exceeds the configured size limit; refused before parsing."""


class ValidationError(FormatError):
    """An outbound file we built does not satisfy its schema or the format's rules."""
