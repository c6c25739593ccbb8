"""The one error type a user sees: a plain sentence, shown without a traceback."""


class FormcheckError(Exception):
    """A problem with the user's input or environment, explained in one line."""
