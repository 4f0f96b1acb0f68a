"""``/upload``: send a CSV/TXT/XLSX file, review what was read and every problem, load it.

The steps and what runs where: layouts/upload_view.py (components), assets/upload.js
(the file transfer), web/uploads.py (the streaming route), callbacks/upload.py (review,
load in the background, result).
"""

from __future__ import annotations

import dash
from dash import html

from data.accounts.access import UPLOAD
from layouts import upload_view
from layouts.i18n import page_title
from layouts.params import page_state

dash.register_page(__name__, path="/upload", title=page_title("upload.title"), name="upload",
                   permission=UPLOAD,
                   nav="nav.upload", nav_order=7, nav_menu="nav.data")


def layout(**query) -> html.Div:
    from flask import current_app, has_app_context

    state = page_state(query)
    limit = upload_view.max_upload_bytes(current_app.config if has_app_context() else None)
    return upload_view.page(state["lang"], limit, state)
