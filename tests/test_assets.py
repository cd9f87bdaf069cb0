"""What the browser downloads: compressed pages and files, static files cached for good by fingerprint."""

from __future__ import annotations

import gzip
import re

from directory.assets import fingerprint

from .factories import DEFAULT_PASSWORD

STYLESHEET = re.compile(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"')


def test_pages_and_json_are_compressed_for_browsers_that_ask(client, make_listing):
    for number in range(5):
        make_listing(name=f"Harbour Fathers Circle {number}", format="online")
    for url in ("/search?format=online", "/api/v1/listings?format=online"):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2
        assert gzip.decompress(packed.data) == plain.data


def test_signed_in_pages_are_never_compressed(client, make_user):
    """They hold a CSRF token beside text the visitor controls (a search's words): BREACH's conditions."""
    make_user("member@example.org")
    client.post("/account/sign-in", data={"email": "member@example.org", "password": DEFAULT_PASSWORD})
    page = client.get("/search?near=10001&q=anything", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    assert "Content-Encoding" not in page.headers


def test_static_links_carry_a_fingerprint_and_are_kept_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    link, version = STYLESHEET.search(page).groups()
    with client.get(link, headers={"Accept-Encoding": "gzip, deflate, br"}) as current:
        assert current.status_code == 200
        assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert current.headers["Content-Encoding"] in ("zstd", "br")
    # An address with another fingerprint (a page cached before the file changed) is not kept for good.
    with client.get(f"/static/css/site.css?v={'0' * 12}") as stale:
        assert stale.status_code == 200 and "immutable" not in stale.headers.get("Cache-Control", "")
    assert version != "0" * 12


def test_a_changed_file_gets_a_new_address(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    (tmp_path / "note.txt").write_text("first")
    first = fingerprint(app.static_folder, "note.txt")
    (tmp_path / "note.txt").write_text("second, longer")
    second = fingerprint(app.static_folder, "note.txt")
    assert first and second and first != second
    with client.get(f"/static/note.txt?v={second}") as response:
        assert response.data == b"second, longer" and "immutable" in response.headers["Cache-Control"]
    # Nothing outside the static folder is fingerprinted.
    assert fingerprint(app.static_folder, "../outside.txt") is None
    assert fingerprint(app.static_folder, "missing.css") is None


def test_static_files_are_compressed_for_browsers_on_plain_http(client):
    """Browsers offer gzip and deflate over plain HTTP (Brotli and zstd over HTTPS)."""
    path = "/static/vendor/pico/pico.jade.min.css"
    with client.get(path) as plain:
        whole = plain.data
    with client.get(path, headers={"Accept-Encoding": "gzip, deflate"}) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.data) == whole and len(packed.data) < len(whole) / 3
        assert int(packed.headers["Content-Length"]) == len(packed.data)
