"""The error of a refused request that pages say in the reader's language."""

from __future__ import annotations


class CodedError(ValueError):
    """Why something was refused: ``code`` names the sentence (``MESSAGES``, English,
    for logs and the CLI; the pages translate ``<prefix>.error.<code>``) and ``params``
    fill it."""

    MESSAGES: dict[str, str] = {}

    def __init__(self, reason: str, **params):
        self.code, self.params = reason, params
        super().__init__(self.MESSAGES[reason].format(**params))
