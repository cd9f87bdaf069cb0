"""The language switch, `<html lang>` and the hreflang alternates every page carries."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from . import LANG_PARAM, current_locale, language_name, languages, per_catalogue


class LanguageLink(NamedTuple):
    """One language in the switch: a tuple, so the template reads its fields as attributes directly."""

    code: str
    name: str
    url: str
    current: bool


class Alternate(NamedTuple):
    """<link rel="alternate" hreflang> for one language, or x-default for the address without a choice."""

    hreflang: str
    href: str


def language_context() -> dict[str, Any]:
    """`lang`, the switch's links (`language_links`) and the hreflang alternates (`hreflang_links`)."""
    current = current_locale()
    if not has_request_context():  # an e-mail rendered by a command: no page to switch
        return {"lang": current, "language_links": (), "hreflang_links": ()}
    asked = request._get_current_object()  # type: ignore[attr-defined]
    links, alternates = _language_addresses(
        asked.script_root, current_app.config["SITE_URL"], asked.path, asked.query_string, current,
        languages())
    return {"lang": current, "language_links": links, "hreflang_links": alternates}


@lru_cache(maxsize=1024)
def _language_addresses(root: str, site: str, path: str, query: bytes, current: str,
                        codes: tuple[str, ...]) -> tuple[tuple[LanguageLink, ...], tuple[Alternate, ...]]:
    """A page's addresses in each language, kept per address: the switch and the hreflang alternates,
    each keeping the path and every other query parameter. The arguments are all the answer depends on;
    the query is read as the request reads it (`request.args`) when an address is new."""
    others = [(name, value) for name, value in request.args.items(multi=True) if name != LANG_PARAM]

    def address(prefix: str, code: str | None) -> str:
        """`code` None drops the choice: the address that follows the browser's language (x-default)."""
        encoded = urlencode([*others, (LANG_PARAM, code)] if code is not None else others)
        return f"{prefix}{path}?{encoded}" if encoded else prefix + path

    links = tuple(LanguageLink(code, language_name(code), address(root, code), code == current)
                  for code in codes)
    alternates = (*(Alternate(code, address(site, code)) for code in codes), Alternate("x-default",
                                                                                       address(site, None)))
    return links, alternates


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
    return _bound_to_catalogue()


def _bound_to(translations: NullTranslations) -> dict[str, Callable[..., str]]:
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


_bound_to_catalogue = per_catalogue(_bound_to)


def register_template_helpers(app: Flask) -> None:
    app.context_processor(language_context)
    app.context_processor(translation_callables)
