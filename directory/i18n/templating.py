"""The language switch, `<html lang>` and the hreflang alternates every page carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from . import LANG_PARAM, current_locale, current_translations, language_name, languages


def language_url(code: str | None, absolute: bool = False) -> str:
    """This page's address in language `code`, keeping its path and every other query parameter;
    None drops the choice (the address that follows the browser's language: hreflang x-default)."""
    path, others = _this_address()
    query = urlencode([*others, (LANG_PARAM, code)] if code is not None else others)
    prefix = current_app.config["SITE_URL"] if absolute else request.script_root
    return f"{prefix}{path}?{query}" if query else prefix + path


def _this_address() -> tuple[str, list[tuple[str, str]]]:
    """The request's path and its query without the language, worked out once for the page's five
    language addresses (the switch and the hreflang alternates)."""
    held: tuple[str, list[tuple[str, str]]] | None = g.get("_i18n_address")
    if held is None:
        others = [(name, value) for name, value in request.args.items(multi=True) if name != LANG_PARAM]
        held = (request.path, others)
        g._i18n_address = held
    return held


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


def translation_callables() -> dict[str, Callable[..., str]]:
    """`_`, `gettext`, `ngettext`, `pgettext` and `npgettext` bound to the translations of the language
    being rendered, for one render_template call.

    Constant text is translated when the template is compiled (`compiling.py`, which must give what
    these would); these translate the rest: text with values, plurals, a results page's few dozen.
    Flask-Babel's own template functions look the catalogue up again for every string (the context, the
    domain, the locale's name), about 12 microseconds each; bound once per render these cost what the
    dictionary lookup costs. They behave as Jinja's "newstyle" gettext: the text is a format string (`%%`
    is a percent sign) filled with the keyword arguments (which may be named `num` or `context`: the
    parameters are positional only), and marked safe where the template autoescapes. A macro imported
    without context still uses Flask-Babel's functions, with the same result.
    """
    translations = current_translations()

    def finish(context: Context, text: str, variables: dict[str, Any]) -> str:
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  # nosec B704 - catalogue text, as Jinja's gettext marks it
        # Formatting text without a % sign gives it back unchanged; most of a page's strings have none.
        return text % variables if variables or "%" in text else text

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        return finish(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, count: int, /, **variables: Any) -> str:
        variables.setdefault("num", count)
        return finish(context, translations.ungettext(singular, plural, count), variables)

    @pass_context
    def pgettext(context: Context, message_context: str, string: str, /, **variables: Any) -> str:
        variables.setdefault("context", message_context)
        return finish(context, translations.upgettext(message_context, string), variables)

    @pass_context
    def npgettext(context: Context, message_context: str, singular: str, plural: str, count: int, /,
                  **variables: Any) -> str:
        variables.setdefault("context", message_context)
        variables.setdefault("num", count)
        return finish(context, translations.unpgettext(message_context, singular, plural, count), variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "pgettext": pgettext,
            "npgettext": npgettext}


def register_template_helpers(app: Flask) -> None:
    app.context_processor(language_context)
    app.context_processor(translation_callables)
    app.jinja_env.globals.update(hreflang_alternates=hreflang_alternates, language_url=language_url)
