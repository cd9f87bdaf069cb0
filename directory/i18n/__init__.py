"""The site's languages: which one a request is served in, and the helpers the rest of the code calls.

The language of a request is, in order: an explicit choice in the URL (`?lang=es`, which is also the address
a search engine indexes for that language), the cookie that choice leaves, the signed-in account's
preference, the browser's Accept-Language, then English. Adding a language is adding its catalogue under
directory/translations/ and its code to LANGUAGES (see README).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask.globals import _cv_app
from flask.wrappers import Response
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString

logger = logging.getLogger(__name__)
T = TypeVar("T")

# The language the text is written in (every msgid); the site's default is LANGUAGES' first.
DEFAULT_LANGUAGE = "en"
# The query parameter that picks a language, and the cookie that remembers the pick.
LANG_PARAM = "lang"
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# Where the request keeps the language its URL names.
_URL_LANGUAGE = "directory.url_language"
# Where the app keeps each locale's catalogue.
_CATALOGUES = "i18n_catalogues"

babel = Babel()

__all__ = [
    "DEFAULT_LANGUAGE", "LANG_COOKIE", "LANG_PARAM", "N_", "babel_locale", "current_locale",
    "current_translations", "force_locale", "gettext",
    "language_name", "languages", "lazy_gettext", "lazy_ngettext", "ngettext", "normalise_language",
    "per_catalogue",
    "register_i18n", "using_language",
]


def N_(message: str) -> str:
    """Marks text for the catalogue where it is defined; it is translated (gettext) where it is shown."""
    return message


def _served_locale(context: Any) -> Locale | None:
    """Flask-Babel's locale for this app context (`_cv_app.get()`), taken from where it keeps it once
    chosen (`get_locale()` looks for that place three times a call, and a results page asks a few hundred
    times); the first call of a request, or one outside Flask-Babel's context, goes through `get_locale()`."""
    state = getattr(context.g, "_flask_babel", None) if context is not None else None
    locale: Locale | None = getattr(state, "babel_locale", None)
    return locale if locale is not None else get_locale()


def current_translations() -> NullTranslations:
    """The translations of the language being served, fetched once per request and language.

    Flask-Babel's own gettext finds them again for every string (its context, the domain, the locale's
    name as a key), and a page's topic names and form labels are read one by one. A `force_locale` block
    (mail in its recipient's language) sets another locale object, so the identity check fetches that
    one's. The app context is read directly, not through `g`'s proxy, which costs as much as the rest.
    """
    context = _cv_app.get(None)
    if context is None:
        return get_translations()
    locale = _served_locale(context)
    held = getattr(context.g, "_i18n_catalogue", None)
    if held is None or held[0] is not locale:
        # Flask-Babel finds a language's catalogue through its context and the locale's name each time;
        # a catalogue never changes while the app runs, so the app keeps one per locale.
        catalogues: dict[Locale | None, NullTranslations] = context.app.extensions[_CATALOGUES]
        catalogue = catalogues.get(locale)
        if catalogue is None:
            catalogue = catalogues[locale] = get_translations()
        held = (locale, catalogue)
        context.g._i18n_catalogue = held
    translations: NullTranslations = held[1]
    return translations


def per_catalogue(build: Callable[[NullTranslations], T]) -> Callable[[], T]:
    """A function giving what `build` makes of the current catalogue, made once per catalogue (per
    language and process): the template functions bound to it, the vocabulary's names in it."""
    made: dict[int, tuple[NullTranslations, T]] = {}

    def current() -> T:
        translations = current_translations()
        # By identity; the catalogue is held with what was made of it, so its identity is not reused.
        held = made.get(id(translations))
        if held is None or held[0] is not translations:
            if len(made) >= _CATALOGUES_HELD:  # many apps in one process (tests): start again
                made.clear()
            held = made[id(translations)] = (translations, build(translations))
        return held[1]

    return current


_CATALOGUES_HELD = 32


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's gettext (the text in this request's language, filled with `variables`), faster."""
    text: str = current_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ngettext: the form for `num`, filled with `variables` and `num`."""
    variables.setdefault("num", num)
    text: str = current_translations().ungettext(singular, plural, num)
    return text % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Text translated when it is shown (a form's label, a message defined at import), by `gettext`."""
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


def languages() -> tuple[str, ...]:
    """The languages the site is offered in, the default first."""
    return tuple(current_app.config["LANGUAGES"])


def normalise_language(value: str | None) -> str | None:
    """A supported language code from what a URL, cookie or form says ('es', 'ES', 'es-MX'), else None."""
    if not value:
        return None
    code = str(value).strip().replace("_", "-").split("-")[0].lower()
    return code if code in languages() else None


def current_locale() -> str:
    """The language this request (or this `using_language` block) is served in: 'en', 'es'.

    Cheap after the first call in a request; part of any cache key for a rendered page and of the
    compiled templates' (a command rendering mail has no request: the selector gives the default, and a
    `using_language` block its language).
    """
    if not has_app_context():
        return DEFAULT_LANGUAGE
    locale = _served_locale(_cv_app.get(None))
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def babel_locale() -> Locale:
    """The language being served as Babel's Locale, for dates, times, numbers and lists: Babel parses a
    code given as text again on every call, and a listing page formats a dozen dates."""
    return _parsed_locale(current_locale())


@lru_cache(maxsize=32)
def _parsed_locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=32)
def language_name(code: str) -> str:
    """A language's own name for itself, capitalised as a link reads: 'English', 'Español'."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@contextmanager
def using_language(code: str | None) -> Iterator[str]:
    """Render in `code` (a recipient's language) when it is supported, else in the current language."""
    language = normalise_language(code) if code else None
    language = language or current_locale()
    with force_locale(language):
        yield language


def url_language() -> str | None:
    """The language named in this request's URL, if any (asked for by the locale selector, the cookie
    and the caching headers: read once, kept with the request)."""
    environ = request.environ
    if _URL_LANGUAGE not in environ:
        environ[_URL_LANGUAGE] = normalise_language(request.args.get(LANG_PARAM))
    code: str | None = environ[_URL_LANGUAGE]
    return code


def select_locale() -> Locale:
    """Flask-Babel's locale selector: URL > cookie > account > Accept-Language > English. A parsed
    Locale, kept per language (Flask-Babel would parse the code again for every request)."""
    return _parsed_locale(_selected_language())


def _selected_language() -> str:
    if not has_request_context():  # a command rendering mail outside `using_language`
        return languages()[0]
    chosen = url_language() or normalise_language(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    account = _account_language()
    if account:
        return account
    return request.accept_languages.best_match(languages()) or languages()[0]


def _account_language() -> str | None:
    """The signed-in account's preference; nothing when no one is signed in or the account can't be read
    (an error page rendered while the database is down still needs a language)."""
    from flask_login import current_user

    try:
        if current_user and current_user.is_authenticated:
            return normalise_language(getattr(current_user, "language", None))
    except Exception:  # noqa: BLE001 - the database is down: fall through to the browser's language
        logger.warning("account language unavailable")
    return None


def remember_choice(response: Response) -> Response:
    """A language picked in the URL is kept in a cookie, so the next page without `?lang=` stays in it."""
    if request.endpoint == "static":  # the same file in every language
        return response
    chosen = url_language()
    # The API answers each request in its own language and never sets a cookie.
    if chosen and request.cookies.get(LANG_COOKIE) != chosen and not request.path.startswith("/api/"):
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True)
    if not chosen:
        # The same address answers in another language to another browser or cookie.
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def register_i18n(app: Flask) -> None:
    """Flask-Babel with the locale selector, and the template helpers for the language switch."""
    from .templating import register_template_helpers

    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LANGUAGES"][0]
    app.extensions[_CATALOGUES] = {}
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")
    # {% trans %} blocks are read with their whitespace folded, so a reflowed template keeps its msgid.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.after_request(remember_choice)
    register_template_helpers(app)

