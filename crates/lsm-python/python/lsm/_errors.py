"""The exceptions lsm raises. Each also derives from the built-in exception a Python user
would catch for it; the message carries the whole cause chain of the Rust error."""


class LsmError(Exception):
    """Base class of every error raised by lsm."""


class ConfigError(LsmError, ValueError):
    """An invalid config or parameter: the message names the field and what was expected."""


class DataError(LsmError, ValueError):
    """Invalid data: wrong shape, non-finite values, too short, an unknown label."""


class FileError(LsmError, OSError):
    """A file that cannot be read or written, or a model or network file that is not valid."""


class InternalError(LsmError, RuntimeError):
    """A bug in lsm: a Rust panic, caught before it reached Python. Please report it."""
