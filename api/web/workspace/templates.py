"""The workspace's Jinja2 environment: templates in `templates/`, autoescaped, strict
about undefined names, with the fingerprinted asset URLs as a global."""

from __future__ import annotations

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


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template configuration for the app."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
