"""Templates compiled once per language, with their constant text already translated.

Most of a page's words are constants: `{{ _("Find a group") }}`, `{% trans %}...{% endtrans %}` without
variables. Looked up at render time they cost a catalogue lookup and a Markup each, hundreds per page. Here
each template is compiled once per language and those calls are replaced by the translated text, which
Jinja then writes into the compiled template as literal output, the same bytes the lookup gave. Calls
with variables, plurals or a value known only at render time stay calls.

The language a template is compiled in is read once, where it is loaded, and is part of its cache key:
every template a render pulls in (extends, include, import) is loaded in the same language.
"""

from __future__ import annotations

import weakref
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

from flask.templating import Environment
from jinja2 import BaseLoader, Template, nodes
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2.visitor import NodeTransformer

from . import current_locale, current_translations

# The catalogue of the template being compiled: set while a template is loaded, never during a render.
_compiling: ContextVar[Any] = ContextVar("compiling_catalogue", default=None)


class ImportedTemplate(Template):
    """Jinja's Template, quicker to import (`{% from "_macros/..." import ... %}`, once per page or more).

    Jinja checks at every import whether the importing page has globals the imported template lacks,
    through a set difference that tests each of some fifty names against a ChainMap in Python (about two
    hundred calls); the same difference, taken in C, gives the same answer."""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and not ctx.globals_keys.difference(self.globals):
            ctx = None  # nothing to add: Jinja's shared module, as it would have found
        return super()._get_default_module(ctx)


class TranslatedEnvironment(Environment):
    """Flask's Jinja environment, keeping one compiled copy of each template per language."""

    template_class = ImportedTemplate

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Any:
        cache: MutableMapping[Any, Any] | None = self.cache
        if self.loader is None or cache is None:
            return super()._load_template(name, globals)
        language = current_locale()
        cache_key = (weakref.ref(self.loader), name, language)
        template = cache.get(cache_key)
        if template is not None and (not self.auto_reload or template.is_up_to_date):
            if globals:
                template.globals.update(globals)
            return template
        template = self._load_in(self.loader, name, language, self.make_globals(globals))
        cache[cache_key] = template
        return template

    def _load_in(self, loader: BaseLoader, name: str, language: str,
                 globals: MutableMapping[str, Any]) -> Any:
        """Jinja's `BaseLoader.load`, with the language in the bytecode cache's key too (a bytecode cache
        keys by name and source alone, and would give one language's code to the other)."""
        source, filename, uptodate = loader.get_source(self, name)
        cache = self.bytecode_cache
        bucket = cache.get_bucket(self, f"{name}@{language}", filename, source) if cache else None
        code = bucket.code if bucket is not None else None
        if code is None:
            token = _compiling.set(current_translations())
            try:
                code = self.compile(source, name, filename)
            finally:
                _compiling.reset(token)
            if cache is not None and bucket is not None:
                bucket.code = code
                cache.set_bucket(bucket)
        return self.template_class.from_code(self, code, globals, uptodate)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        translations = _compiling.get()
        if translations is None:  # compiled from a string, or outside a load: translated when rendered
            return tree
        result: nodes.Template = ConstantTextTranslator(translations).visit(tree)
        return result


class ConstantTextTranslator(NodeTransformer):
    """Replaces `gettext("text")` and `pgettext("context", "text")` with their translation (marked safe
    where the template autoescapes, as the render-time functions mark it)."""

    def __init__(self, translations: Any) -> None:
        self.translations = translations

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        translated = self._translated(node)
        if translated is None:
            result: nodes.Node = self.generic_visit(node)
            return result
        return nodes.MarkSafeIfAutoescape(nodes.Const(translated), lineno=node.lineno)

    def _translated(self, node: nodes.Call) -> str | None:
        if not isinstance(node.node, nodes.Name) or node.kwargs or node.dyn_args or node.dyn_kwargs:
            return None
        values = [argument.value for argument in node.args
                  if isinstance(argument, nodes.Const) and isinstance(argument.value, str)]
        if len(values) != len(node.args):
            return None
        try:
            if node.node.name in ("_", "gettext") and len(values) == 1:
                text = self.translations.ugettext(values[0])
                # The render-time functions fill a text with a % sign from no variables ("%%" is "%").
                return str(text % {}) if "%" in text else str(text)
            if node.node.name == "pgettext" and len(values) == 2:
                text = self.translations.upgettext(values[0], values[1])
                # Filled with the context, escaped where the page autoescapes: left to the render.
                return None if "%" in text else str(text)
        except (KeyError, TypeError, ValueError):  # a placeholder with no value: left to fail when rendered
            return None
        return None
