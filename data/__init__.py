"""The data layer, in sub-packages along the flow: store < accounts < derive < ingest <
edits < publish < demo (each uses only those before it); ``coded.py`` is the refusal any
of them may raise; ``python -m data`` is its CLI."""
