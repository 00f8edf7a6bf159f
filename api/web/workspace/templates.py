"""The workspace's Jinja2 environment: templates in `templates/`, autoescaped, strict
about undefined names, with the fingerprinted asset URLs as a global."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from api.core.worddiff import word_diff
from api.web.workspace import urls
from api.web.workspace.assets import static_url

__all__ = ["TEMPLATES_DIR", "environment", "template_config"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def environment() -> Environment:
    """The environment every workspace page is rendered in."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.globals["word_diff"] = word_diff
    env.globals.update({name: getattr(urls, name) for name in urls.__all__})
    return env


@cache
def _shared_environment() -> Environment:
    """One environment per process: nothing in it depends on an app's settings or
    database, and it keeps the templates it compiled, so an app made after another (each
    test's, a reloaded worker's) renders without compiling them again. Litestar registers
    the same module-level callables (`url_for`, `csrf_token`) on it for every app."""
    return environment()


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template configuration for the app."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(_shared_environment()))
