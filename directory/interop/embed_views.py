"""The finder other sites embed (/embed) and the page that writes its snippet.

/embed is the only page any site may frame (its own frame-ancestors; every other page sends
'none'). It is the same search as the site's, shown compactly; every result opens the full listing
in a new tab. It sets no cookie: the visitor is treated as signed out whatever the browser sends,
so no session is read, refreshed or written. It loads nothing but this site's own stylesheet.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, url_for
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from ..extensions import login_manager
from ..i18n import LANG_PARAM, gettext
from ..listings.presentation import format_names
from ..listings.schedule import format_occurrence
from ..listings.search import RADII, SearchParams, radius_label, resolve_vocabulary
from ..listings.search import search as run_search
from ..urls import external_url
from .forms import DEFAULT_HEIGHT, SnippetForm

blueprint = Blueprint("embed", __name__)

EMBED_RESULTS = 10


def embed_policy() -> str:
    """The site's policy, minus scripts and plus who may frame the page."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'none'",
        "form-action 'self'",
        f"frame-ancestors {current_app.config['EMBED_FRAME_ANCESTORS']}",
        "object-src 'none'",
        "base-uri 'none'",
    ])


@blueprint.get("/embed")
def finder():
    g._login_user = login_manager.anonymous_user()  # no user loaded: no session touched, no cookie set
    params = resolve_vocabulary(SearchParams.from_args(request.args, per_page=EMBED_RESULTS))
    results = run_search(params)
    page = render_template(
        "interop/embed.html", params=params, results=results, radii=RADII, radius_label=radius_label,
        format_names=format_names(), format_occurrence=format_occurrence,
        more_url=external_url("listings.search", **params.to_args()),
    )
    headers = {"Content-Security-Policy": embed_policy(), "Cache-Control": "public, max-age=60"}
    return page, 400 if params.errors else 200, headers


@blueprint.get("/put-this-on-your-site")
def snippet():
    # The language the page is read in (`?lang=`) is no choice of the form's.
    choices = MultiDict([(key, value) for key, value in request.args.items(multi=True) if key != LANG_PARAM])
    form = SnippetForm(choices if choices else None)
    # The first visit shows the snippet for the defaults; a choice that cannot be used shows its error
    # next to it, keeps what was typed, and no snippet until it is fixed.
    valid = form.validate() if choices else True
    args = form.embed_args() if valid else {}
    height = form.height.data if valid else str(DEFAULT_HEIGHT)
    code = snippet_code(external_url("embed.finder", **args), height)
    return render_template("interop/snippet.html", form=form, valid=valid, height=height, code=code,
                           preview_url=url_for("embed.finder", **args)), 200 if valid else 400


def snippet_code(url: str, height: str) -> str:
    """The HTML another site pastes: an iframe of the finder (escaped here; the page escapes it again to
    show it as text)."""
    title = gettext("Find a mentor or a men's support group (%(site)s)", site=current_app.config["SITE_NAME"])
    return (f'<iframe src="{attribute(url)}" title="{attribute(title)}" width="100%" '
            f'height="{attribute(height)}" loading="lazy"></iframe>')


def attribute(value: str) -> str:
    """A value for a double-quoted HTML attribute: what must be escaped, and nothing that need not be
    (an apostrophe stays readable for the person pasting it)."""
    return str(escape(value)).replace("&#39;", "'")
