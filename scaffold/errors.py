"""Domain errors. The CLI turns each into one line on stderr and a non-zero exit status."""


class ScaffoldError(Exception):
    """A problem the user can fix; the message names the problem and the fix."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
