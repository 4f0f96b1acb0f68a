"""What the pages, the API and the reports read about courts, for one viewer at a time.

Every public function or method here takes the viewer first and returns only what that
viewer may see (data.accounts.access); the raw court-level reads below it
(data.store.repository, data.derive.backlog, data.derive.flags) are closed to the
layers above data/ by an import-linter contract, so no page, callback, route or report
can read around the rule (issue 30). Uses everything in data/ below it.
"""
