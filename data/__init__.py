"""The data layer, in sub-packages along the flow: store < accounts < derive < ingest <
edits < publish < demo (each uses only those before it); ``python -m data`` is its CLI."""
