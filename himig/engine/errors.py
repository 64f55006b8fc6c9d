"""One error root for everything the engine refuses or fails at."""


class EngineError(Exception):
    """Base of every engine error; ``str(err)`` is a message for a person."""


class InvalidRequest(EngineError):
    """The request breaks a rule of the contract (PRODUCT.md §2)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ResourceMissing(EngineError):
    """A file the engine needs (SoundFont, embedding model) cannot be found."""


class RenderFailed(EngineError):
    """Synthesis, mastering or encoding failed."""
