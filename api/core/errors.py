"""Domain errors. The web layer maps each to one problem+json type."""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthorRequired",
    "BackupRejected",
    "Busy",
    "Conflict",
    "Forbidden",
    "Gone",
    "ImportRefused",
    "ImportRejected",
    "InvalidLocale",
    "InvalidParameter",
    "InvalidSetting",
    "NotFound",
    "NothingChanged",
    "PreconditionRequired",
    "RetryLater",
    "StaleVersion",
    "TooManyRequests",
    "Unauthorized",
    "ValidationFailed",
    "VettedError",
]


class VettedError(Exception):
    """Base of every error the domain raises on purpose."""


class NotFound(VettedError):
    """The named resource does not exist (or is not visible to this reader)."""


class InvalidParameter(VettedError):
    """A query or path parameter has a value we cannot use."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


class InvalidLocale(InvalidParameter):
    """A locale code is not a syntactically valid BCP 47 / CLDR identifier."""

    def __init__(self, parameter: str, value: str, available: list[str]) -> None:
        super().__init__(
            parameter,
            f"{value!r} is not a valid locale code; available: {', '.join(available)}",
        )
        self.available = available


class ValidationFailed(VettedError):
    """Input content failed validation; names the file, line and field where known."""

    def __init__(
        self,
        detail: str,
        *,
        file: str = "",
        line: int | None = None,
        path: str = "",
        problems: tuple[ValidationFailed, ...] = (),
    ) -> None:
        where = file + (f":{line}" if line else "")
        super().__init__(f"{where}: {detail}" if where else detail)
        self.detail = detail
        self.file = file
        self.line = line
        self.path = path
        self.problems = problems
        """When one check finds several problems at once (every unsupported claim of the
        records): each of them with its own path; `detail` sums them up."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (an import validates in worker processes): an exception's default
        # pickle keeps only the message.
        return (
            _validation_failed,
            (type(self), self.detail, self.file, self.line, self.path, self.problems),
        )

    @classmethod
    def every(cls, problems: list[ValidationFailed]) -> ValidationFailed:
        """One refusal for several problems found at once: the first, how many more, and
        each of them (so that an editor can fix them all in one go)."""
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return cls(first.detail + more, path=first.path, problems=tuple(problems))


def _validation_failed(
    cls: type[ValidationFailed],
    detail: str,
    file: str,
    line: int | None,
    path: str,
    problems: tuple[ValidationFailed, ...],
) -> ValidationFailed:
    return cls(detail, file=file, line=line, path=path, problems=problems)


class Gone(VettedError):
    """The content was published and has been withdrawn: readers are told so, and when."""

    def __init__(self, detail: str, withdrawn_at: str) -> None:
        super().__init__(detail)
        self.withdrawn_at = withdrawn_at


class StaleVersion(VettedError):
    """An If-Match precondition names a version that is no longer current."""


class PreconditionRequired(VettedError):
    """A write came without the If-Match header it needs."""


class Conflict(VettedError):
    """The write conflicts with the current state (wrong workflow step, same author...)."""


class Unauthorized(VettedError):
    """No valid credentials were presented."""


class Forbidden(VettedError):
    """The credentials do not allow this action."""


class RetryLater(VettedError):
    """Nothing was done; the caller may try again after `retry_after` seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TooManyRequests(RetryLater):
    """The caller has used up a rate limit."""


class Busy(RetryLater):
    """The server cannot take this request now."""


class InvalidSetting(VettedError):
    """A server setting (flag or environment variable) has a value we cannot use."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.source = source
        self.detail = detail


class ImportRejected(VettedError):
    """Content or catalogs failed validation; nothing was stored."""

    def __init__(self, errors: list[ValidationFailed]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))


class NothingChanged(VettedError):
    """A write would change nothing (a draft equal to what it is based on, a revision equal
    to the last, an upload equal to what is approved or pending); nothing was stored and
    nothing recorded. `notes` name the file lines worth a look, if any."""

    def __init__(self, detail: str, notes: list[ValidationFailed] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.notes = notes or []


class BackupRejected(VettedError):
    """A backup cannot be used (not SQLite, damaged, or newer than this code); nothing was
    changed."""


class ImportRefused(Conflict):
    """An import would take readers back, or change what it cannot submit for review;
    `reasons` says why, one sentence each. Nothing was stored."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = reasons


class AuthorRequired(InvalidParameter):
    """An import that creates drafts or pending catalogs must say who wrote them."""
