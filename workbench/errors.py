"""One error family: every error the user should see carries an HTTP status."""

from __future__ import annotations


class WorkbenchError(Exception):
    """An error with a message for the user and the HTTP status that goes with it."""

    status = 400
    title = "Something went wrong"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(WorkbenchError):
    status = 400
    title = "Invalid input"


class NotFound(WorkbenchError):
    status = 404
    title = "Not found"


class PermissionDenied(WorkbenchError):
    status = 403
    title = "Not allowed"


class Conflict(WorkbenchError):
    """A save based on an old version, or a name already taken."""

    status = 409
    title = "Conflict"

    def __init__(self, message: str, *, field: str | None = None, current=None) -> None:
        super().__init__(message, field=field)
        self.current = current


class TooLarge(WorkbenchError):
    status = 413
    title = "Too large"


class SchemaOutOfDate(WorkbenchError):
    status = 503
    title = "Database needs an upgrade"


class TooManyAttempts(PermissionDenied):
    """Refused for now (failed logins): ``retry_after`` says in how many seconds to ask again."""

    status = 429
    title = "Too many attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
