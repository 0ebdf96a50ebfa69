"""The one exception type for problems a user can cause.

Pages catch :class:`RNNLabError` and show its message with ``st.error``; the command line prints it and
exits with status 2. Any other exception is a bug.
"""


class RNNLabError(ValueError):
    """A problem with the user's input or settings, with a message written for the user."""
