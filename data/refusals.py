"""``Refused``: a request refused with a code, which pages say in the reader's language
(notes and releases raise it)."""

from __future__ import annotations


class Refused(ValueError):
    """Why something was refused: ``code`` names the sentence (``MESSAGES``, English,
    for logs and the CLI; the pages translate ``<prefix>.error.<code>``) and ``params``
    fill it."""

    MESSAGES: dict[str, str] = {}

    def __init__(self, reason: str, **params):
        self.code, self.params = reason, params
        super().__init__(self.MESSAGES[reason].format(**params))
