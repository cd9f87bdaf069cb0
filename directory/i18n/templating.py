"""The language switch, `<html lang>` and the hreflang alternates every page carries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from werkzeug.datastructures import MultiDict

from . import LANG_PARAM, current_locale, language_name, languages


def language_url(code: str | None, absolute: bool = False) -> str:
    """This page's address in language `code`, keeping its path and every other query parameter;
    None drops the choice (the address that follows the browser's language: hreflang x-default)."""
    args = MultiDict(request.args)
    args.poplist(LANG_PARAM)
    if code is not None:
        args.add(LANG_PARAM, code)
    query = urlencode(list(args.items(multi=True)))
    path = request.script_root + request.path
    if absolute:
        path = current_app.config["SITE_URL"] + request.path
    return f"{path}?{query}" if query else path


def language_context() -> dict[str, Any]:
    current = current_locale()
    if not has_request_context():  # an e-mail rendered by a command: no page to switch
        return {"lang": current, "language_links": []}
    return {
        "lang": current,
        "language_links": [
            {"code": code, "name": language_name(code), "url": language_url(code), "current": code == current}
            for code in languages()
        ],
    }


def hreflang_alternates() -> list[dict[str, str]]:
    """<link rel="alternate" hreflang> for each language, and x-default for the address without a choice."""
    links = [{"hreflang": code, "href": language_url(code, absolute=True)} for code in languages()]
    links.append({"hreflang": "x-default", "href": language_url(None, absolute=True)})
    return links


def register_template_helpers(app: Flask) -> None:
    app.context_processor(language_context)
    app.jinja_env.globals.update(hreflang_alternates=hreflang_alternates, language_url=language_url)
