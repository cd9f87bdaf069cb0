"""Every word the site writes goes through a catalogue, and every catalogue translates every word.

- The catalogue check: the text marked in the code and templates is extracted afresh (babel's own extractor,
  with babel.cfg's mapping and the Makefile's keywords, in this process) and compared with each language's
  messages.po: a message missing, fuzzy or empty there fails, and so does one the code no longer has (run
  `make update-translations`), or a translation whose placeholders differ from its English.
- The template scan: every template is read with its Jinja parts taken out, and any text a person would
  read that is left (words between tags, and the attributes that are read aloud or shown: placeholder,
  title, alt, aria-label, a meta description's content, a button's value) fails, printed as file:line and
  the text. So does a literal phrase inside a Jinja expression that no translation call wraps
  (`{{ "Yes" if x else "No" }}`). Names that are the same in every language are allowed below, with why.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from jinja2 import Environment
from jinja2.ext import i18n as jinja_i18n

from .support import PROJECT_ROOT
from .translations import catalogue_paths, read_catalogue

TEMPLATES = PROJECT_ROOT / "templates"


# The catalogue ------------------------------------------------------------------------------------------


def makefile_keywords() -> dict:
    """The keywords `make extract` passes to pybabel (its BABEL_KEYWORDS line), on top of babel's defaults."""
    line = next(line for line in (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
                if line.replace(" ", "").startswith("BABEL_KEYWORDS="))
    words = shlex.split(line.split("=", 1)[1])
    names = [word for flag, word in zip(words, words[1:], strict=False) if flag == "-k"]
    return {**DEFAULT_KEYWORDS, **parse_keywords(names)}


# Files whose translation is still under way: their untranslated text is let through, and each entry fails
# once nothing of it is left to let through (so the list only shrinks). path from the project root -> why.
STILL_TO_TRANSLATE: dict[str, str] = {}


@dataclass(frozen=True)
class Extracted:
    message: object  # the msgid, a tuple (singular, plural) for plurals
    files: frozenset[str]  # where it is marked, from the project root


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], Extracted]:
    """(msgid, context) -> what the code marks now, and where."""
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[tuple[str, str | None], Extracted] = {}
    # Directories are skipped as pybabel's command skips them (its --ignore-dirs '.* ._'), not as the
    # function would by default (which also skips templates/_macros).
    messages = extract_from_dir(str(PROJECT_ROOT), method_map, options_map, keywords=makefile_keywords(),
                                directory_filter=lambda path: not Path(path).name.startswith("."))
    for filename, _lineno, message, _comments, context in messages:
        key = (message if isinstance(message, str) else message[0], context)
        files = found[key].files if key in found else frozenset()
        found[key] = Extracted(message, files | {Path(filename).as_posix()})
    return found


def still_to_translate(files: frozenset[str]) -> bool:
    return bool(files) and all(name in STILL_TO_TRANSLATE for name in files)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(text and text.strip() for text in strings)


@pytest.mark.parametrize("path", catalogue_paths(), ids=lambda path: path.parent.parent.name)
def test_every_marked_message_is_translated_and_the_catalogue_holds_no_other(path: Path, extracted):
    catalogue: Catalog = read_catalogue(path)
    language = path.parent.parent.name
    entries = {(message.id if isinstance(message.id, str) else message.id[0], message.context): message
               for message in catalogue if message.id}
    problems = []
    for key, found in sorted(extracted.items(), key=lambda item: item[0][0]):
        entry = entries.get(key)
        if entry is None:
            problem = "missing"
        elif isinstance(found.message, tuple) != isinstance(entry.id, (list, tuple)):
            problem = "plural in one, not the other"
        elif entry.fuzzy:
            problem = "fuzzy"
        elif not _translated(entry):
            problem = "empty"
        else:
            problems += [f"{error}: {key[0]!r}" for error in entry.check(catalogue)]
            continue
        if not still_to_translate(found.files):
            problems.append(f"{problem}: {key[0]!r} ({', '.join(sorted(found.files))})")
    problems += [f"no longer in the code: {key[0]!r}" for key in sorted(entries.keys() - extracted.keys(),
                                                                        key=lambda key: key[0])]
    where = path.relative_to(PROJECT_ROOT)
    assert not problems, (f"{language} catalogue ({len(problems)}; `make update-translations`, then "
                          f"translate in {where}):\n" + "\n".join(problems))


def test_the_extraction_sees_python_templates_plurals_and_lazy_text(extracted):
    """The check above is only as good as the extraction: it must find each kind of marking."""
    assert "templates/moderation/queue.html" in extracted[("Review queue", None)].files  # a template's _()
    assert "templates/_macros/pagination.html" in extracted[("Next page", None)].files  # a macro's
    assert ("Please choose a decision.", None) in extracted  # Python's gettext
    assert ("Approve and open the next one", None) in extracted  # lazy_gettext as _l, in a form
    plural = extracted[("%(num)s open report:", None)].message
    assert plural == ("%(num)s open report:", "%(num)s open reports:")


# The template scan --------------------------------------------------------------------------------------

# Words that read the same in every language, wherever they stand: word -> why. Keep it short.
SAME_EVERYWHERE = {
    "UTC": "the time standard's name, written so in every language",
    "geonames.org": "a web address",
}
# Text that reads the same in every language in one template: (template, text) -> why. Keep it short.
SAME_IN_EVERY_LANGUAGE: dict[tuple[str, str], str] = {
    ("owner/needed_admin.html", "MMM yy"): "a date pattern Babel formats in the page's language",
}

# Attributes a person reads or hears; `content` only on <meta name="description">, `value` on buttons.
READ_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
BUTTON_TYPES = {"submit", "button", "reset"}
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
HOLE = "\ue000"  # where a Jinja construct stood: no letter, so never text on its own
# A phrase in a Jinja expression: two words or more of letters, apart.
PHRASE = re.compile(r"[^\W\d_]{2,}[,.!?]?\s+[^\n]*[^\W\d_]{2,}", re.UNICODE)
# Keyword arguments whose values are for the browser, not for people (`class_="secondary outline"`).
# The stylesheets' class names: a literal made only of them is a class list passed to a macro, not words.
CSS_CLASSES = frozenset(name for path in (PROJECT_ROOT / "static").rglob("*.css")
                        for name in re.findall(r"\.([a-z][a-z0-9-]*)", path.read_text(encoding="utf-8")))
MACHINE_ARGUMENTS = {"class_", "class", "id", "rel", "autocomplete", "inputmode", "type", "role", "method",
                     "enctype", "loading", "target", "pattern"}
TRANSLATING_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext"}


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def _environment() -> Environment:
    environment = Environment(extensions=[jinja_i18n])  # noqa: S701 - only lexed, never rendered
    environment.policies["ext.i18n.trimmed"] = True
    return environment


def without_jinja(source: str, environment: Environment) -> tuple[str, list[tuple[int, str]]]:
    """The template with every Jinja construct (and all of a {% trans %} block) replaced by a hole, line
    breaks kept so lines still count; and each string literal in an expression that no translation call
    takes, with its line."""
    out: list[str] = []
    literals: list[tuple[int, str]] = []
    in_trans = 0
    calls: list[str | None] = []  # the name before each open parenthesis in the current expression
    previous: str | None = None
    previous_value: str | None = None
    argument: str | None = None  # the keyword a string literal is passed as
    for lineno, token, value in environment.lex(source):
        if token == "data" and not in_trans:
            out.append(value)
            continue
        out.append(HOLE + "\n" * value.count("\n"))
        if token == "whitespace":
            continue
        if token == "name" and previous == "block_begin":
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
        elif token in ("block_end", "variable_end"):
            calls = []
        if token == "operator" and value == "(":
            calls.append(previous_value if previous == "name" else None)
        elif token == "operator" and value == ")" and calls:
            calls.pop()
        elif token == "string" and not in_trans and PHRASE.search(value):
            classes = all(word in CSS_CLASSES for word in value[1:-1].split())
            if not (calls and calls[-1] in TRANSLATING_CALLS) and argument not in MACHINE_ARGUMENTS \
                    and not classes:
                literals.append((lineno, value[1:-1]))
        if token == "operator" and value == "=" and previous == "name":
            argument = previous_value
        elif token != "string":
            argument = None
        previous, previous_value = token, value
    return "".join(out), literals


class _TextFinder(HTMLParser):
    """Collects (line, text) of every text node and read attribute; skips scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line = self.getpos()[0]
        for name, value in values.items():
            if name in READ_ATTRIBUTES:
                self.found.append((line, value))
        if tag == "meta" and values.get("name") == "description":
            self.found.append((line, values.get("content", "")))
        if (tag == "button" or (tag == "input" and values.get("type") in BUTTON_TYPES)) and "value" in values:
            self.found.append((line, values["value"]))
        if tag in ("script", "style"):
            self.skipping += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.found.append((self.getpos()[0], data))


def untranslated_text(path: Path, environment: Environment) -> Iterator[Finding]:
    name = path.relative_to(TEMPLATES).as_posix() if path.is_relative_to(TEMPLATES) else path.name
    stripped, literals = without_jinja(path.read_text(encoding="utf-8"), environment)
    finder = _TextFinder()
    finder.feed(stripped)
    finder.close()
    for line, text in finder.found:
        visible = " ".join(text.replace(HOLE, " ").split())
        if (LETTERS.search(visible) and (name, visible) not in SAME_IN_EVERY_LANGUAGE
                and visible.rstrip(":.,;") not in SAME_EVERYWHERE):
            yield Finding(name, line, visible)
    for line, text in literals:
        if (name, text) not in SAME_IN_EVERY_LANGUAGE:
            yield Finding(name, line, f"{{{{ {text!r} }}}} (a phrase outside a translation call)")


def templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt"))


def test_no_template_shows_text_outside_a_translation_call():
    environment = _environment()
    findings = [finding for path in templates() for finding in untranslated_text(path, environment)
                if f"templates/{finding.template}" not in STILL_TO_TRANSLATE]
    assert not findings, (f"{len(findings)} texts a person reads are not marked for translation "
                          "(README, Languages):\n" + "\n".join(map(str, findings)))


def test_the_files_still_to_translate_still_are(extracted):
    """An entry of STILL_TO_TRANSLATE goes as soon as its file is done."""
    catalogues = [read_catalogue(path) for path in catalogue_paths()]
    environment = _environment()

    def untranslated(key: tuple[str, str | None]) -> bool:
        entries = [catalogue.get(*key) for catalogue in catalogues]
        return any(entry is None or entry.fuzzy or not _translated(entry) for entry in entries)

    def scanned(name: str) -> bool:
        return name.startswith("templates/") and any(untranslated_text(PROJECT_ROOT / name, environment))

    done = [name for name in STILL_TO_TRANSLATE if not scanned(name)
            and not any(name in found.files and untranslated(key) for key, found in extracted.items())]
    assert not done, "translated now, so take them out of STILL_TO_TRANSLATE: " + ", ".join(done)


def test_the_scan_finds_what_it_should_and_nothing_else(tmp_path):
    """The scanner itself, on a template written for it."""
    environment = _environment()
    sample = tmp_path / "sample.html"
    sample.write_text(
        '{% extends "base.html" %}\n'
        '<h1>{{ _("Find support") }}</h1>\n'
        "<p>Plain English</p>\n"
        '<input type="submit" value="Send it">\n'
        '<input name="q" value="{{ q }}" placeholder="{{ _(\'Town\') }}">\n'
        '<a href="/x" aria-label="{{ count }} waiting">{{ count }}</a> &nbsp;·&nbsp; → 42\n'
        "{% trans name=n %}Hello {{ name }}, welcome{% endtrans %}\n"
        '<span>{{ "Yes, go" if ok else _("No, stay") }}</span><script>const words = "not text";</script>\n'
        '<meta name="description" content="A page about things">\n'
        '<time>{{ when.strftime("%Y-%m-%d %H:%M") }}</time>{# a comment with words #}\n',
        encoding="utf-8",
    )
    found = [(finding.line, finding.text) for finding in untranslated_text(sample, environment)]
    assert found == [(3, "Plain English"), (4, "Send it"), (6, "waiting"), (9, "A page about things"),
                     (8, "{{ 'Yes, go' }} (a phrase outside a translation call)")], found
    assert str(Finding("a.html", 3, "Plain English")) == "a.html:3: 'Plain English'"
