"""The one error type that means "the user's input is wrong", with a clear one-line message."""


class InputError(Exception):
    """Bad input from the user: a file, a folder, a value. The message is shown as it is."""

    def __init__(self, message: str, path: object = None):
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)
