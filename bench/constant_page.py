"""The ceiling bench/http.py measures against: Flask under the same gunicorn settings, answering a constant
2 KB page with no database, no template and no session."""

from __future__ import annotations

from flask import Flask

PAGE = ("<!doctype html><html lang=en><head><meta charset=utf-8><title>Constant</title></head><body>"
        + "<p>" + "The same two kilobytes for every request. " * 46 + "</p></body></html>")

app = Flask(__name__)


@app.get("/")
def constant() -> tuple[str, int, dict[str, str]]:
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
