"""The sentences of a bulk account import's problems (data.accounts.bulk), in the
reader's language: "Line 3, column role: ..." (pure)."""

from __future__ import annotations

from data.accounts.bulk import Problem
from layouts.i18n import t


def problem_text(problem: Problem, lang: str) -> str:
    text = t(problem.key, lang, **dict(problem.params))
    if problem.column:
        return t("bulk.at_line_column", lang, line=problem.line, column=problem.column,
                 text=text)
    return t("bulk.at_line", lang, line=problem.line, text=text)
