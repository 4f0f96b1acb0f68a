"""A file's way in: read, parse, validate, load as one undoable upload, undo; uses
data.store, data.accounts, data.derive and data.edits (undo keeps edited targets)."""
