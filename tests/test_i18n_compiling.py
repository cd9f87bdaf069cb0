"""Templates compiled once per language: their constant text translated as they are compiled, each
language's copy kept apart, and the page the same as one translated while it renders."""

from __future__ import annotations

import pytest
from flask import render_template
from jinja2 import DictLoader, Environment

from directory.i18n import gettext, using_language
from directory.i18n.compiling import TranslatedEnvironment

from .conftest import CompiledTemplates

# Constant text in every form a template writes it: a call, a pgettext, a {% trans %} block, one that
# autoescaping must keep as it is (an apostrophe), and text with variables, which stays a call.
SOURCE = """\
<p>{{ _("Choose a new password") }}</p>
<p>{{ gettext("If you didn't ask for this, ignore this message: your password stays as it is.") }}</p>
<p>{% trans %}See it on the site{% endtrans %}</p>
<p>{{ _("Hello %(name)s,", name=who) }}</p>
<p>{{ _("Not in any catalogue: 100%% plain") }}</p>
<p>{{ pgettext("a context nobody uses", "Plain %(context)s") }} {{ pgettext("a context", "Plain") }}</p>
{% autoescape false %}<p>{{ _("Choose a new password") }}</p>{% endautoescape %}
"""


def environment(app, **options) -> TranslatedEnvironment:
    jinja = TranslatedEnvironment(app, loader=DictLoader({"page.html": SOURCE}), autoescape=True,
                                  extensions=["jinja2.ext.i18n"], **options)
    jinja.install_gettext_callables(gettext=gettext, ngettext=lambda s, p, n: s, newstyle=True,
                                    pgettext=lambda c, s: s)
    return jinja


def render_in(jinja, language: str, **context) -> str:
    with using_language(language):
        return jinja.get_template("page.html").render(who="Ana", **context)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_compiled_page_reads_as_one_translated_while_rendering(app, language):
    jinja = environment(app)
    with app.test_request_context("/"):
        compiled = render_in(jinja, language)
        with using_language(language):
            rendered = jinja.from_string(SOURCE).render(who="Ana")  # from a string: never compiled ahead
    assert compiled == rendered
    if language == "es":
        assert "Elige una contraseña nueva" in compiled and "Hola, Ana:" in compiled
    else:
        assert "If you didn't ask for this" in compiled  # not escaped, as the lookup marks it safe
    assert "100% plain" in compiled and "Plain a context nobody uses Plain" in compiled


def test_constant_text_is_not_looked_up_again_when_the_page_renders(app):
    jinja = environment(app)
    with app.test_request_context("/"):
        render_in(jinja, "es")  # compiled here
        # A render-time `_` of the page's own would translate only what is left a call.
        page = render_in(jinja, "es", _=lambda text, **variables: "LOOKED UP")
    assert "Elige una contraseña nueva" in page
    assert page.count("LOOKED UP") == 1  # the greeting, which has a variable


@pytest.mark.parametrize("bytecode", [None, CompiledTemplates()], ids=["memory", "bytecode cache"])
def test_each_language_keeps_its_own_copy(app, bytecode):
    jinja = environment(app, bytecode_cache=bytecode)
    with app.test_request_context("/"):
        pages = [render_in(jinja, language) for language in ("es", "en", "es", "en")]
        fresh = environment(app, bytecode_cache=bytecode)  # a new app, the compiled code kept
        pages += [render_in(fresh, language) for language in ("en", "es")]
    spanish, english = pages[0], pages[1]
    assert "Elige una contraseña nueva" in spanish and "Choose a new password" not in spanish
    assert "Choose a new password" in english and "Elige una contraseña nueva" not in english
    assert pages[2:] == [spanish, english, english, spanish]


def test_mail_in_two_languages_from_one_request(app):
    """A page in one language sends mail in another: each message is compiled in its own."""
    with app.test_request_context("/?lang=es"):
        for language, button in (("es", "Elige una contraseña nueva"), ("en", "Choose a new password"),
                                 ("es", "Elige una contraseña nueva")):
            with using_language(language):
                html = render_template("emails/accounts/reset.html", reset_url="https://example.org/r",
                                       valid_for="1 hour", site_name="Site", name="Ana")
            assert button in html, language


def test_an_imported_template_sees_what_jinja_would_show_it(app):
    """A macro imported without context sees the globals its importing page has and it lacks (a new
    module), and otherwise Jinja's shared module: the same output as Jinja's own Template."""
    sources = {"macros.html": "{% macro show() %}{{ extra|default('none') }}{% endmacro %}",
               "page.html": '{% from "macros.html" import show %}[{{ show() }}]'}
    ours = TranslatedEnvironment(app, loader=DictLoader(sources), autoescape=True)
    jinjas = Environment(loader=DictLoader(sources), autoescape=True)
    for jinja in (ours, jinjas):
        assert jinja.get_template("page.html").render() == "[none]"
        assert jinja.get_template("page.html", globals={"extra": "mine"}).render() == "[mine]"
        assert jinja.get_template("page.html").render() == "[mine]"  # a page's globals stay with it
        assert jinja.get_template("macros.html").module.show() == "none"
