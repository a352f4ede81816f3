"""The project's one exception type.

Everything a user can get wrong (a bad file, a missing field, an unknown
client) raises :class:`OnboardError`. The CLI turns it into a short message
and exit code 1 in one place, so no traceback ever reaches a coordinator.
"""


class OnboardError(Exception):
    """A problem the user can fix; ``str(err)`` is the message to show."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"
