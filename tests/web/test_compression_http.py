"""Compression and caching of what the browser fetches (issue 18): the same bytes,
fewer of them on the wire; a stamped asset kept for a year; the hooks that read or
rewrite a body see it before it is compressed."""

from __future__ import annotations

import re

import brotli
import pytest


def _plain(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        import gzip

        return gzip.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def test_bundles_are_compressed_once_and_unchanged(as_role, client):
    page = as_role("staff").get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    bundle = re.search(r'src="(/_dash-component-suites/dash_ag_grid/[^"]+\.js)"', page)
    assert bundle, "no AG Grid bundle on the index page"
    url = bundle.group(1)
    plain = client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for _ in range(2):  # the second one comes from the worker's cache
        packed = client.get(url, headers={"Accept-Encoding": "br"})
        assert packed.headers["Content-Encoding"] == "br"
        assert len(packed.data) < len(plain.data) / 2
        assert _plain(packed) == plain.data
        assert "max-age=31536000" in packed.headers["Cache-Control"]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_and_callbacks_are_compressed_after_the_body_hooks(as_role, encoding):
    client = as_role("staff")
    page = client.get("/?lang=kk", headers={"Accept": "text/html",
                                            "Accept-Encoding": encoding})
    assert page.headers.get("Content-Encoding") in (encoding, None)
    html = _plain(page).decode()
    # The page's language was written into <html> before compression.
    assert '<html lang="kk">' in html
    layout = client.get("/_dash-layout", headers={"Accept-Encoding": encoding})
    assert layout.headers["Content-Encoding"] == encoding
    assert b'"props"' in _plain(layout)


def test_stamped_assets_are_kept_for_a_year(client):
    stamped = client.get("/assets/app.css?m=1700000000")
    assert stamped.status_code == 200
    assert stamped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    bare = client.get("/assets/app.css")
    assert "immutable" not in bare.headers.get("Cache-Control", "")
