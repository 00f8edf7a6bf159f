"""Static delivery's route table: the app's caching rules, and none immutable while a
scheduled change is pending (the app caps lifetimes then; static files cannot)."""

from __future__ import annotations

from api.core.static_routes import routes

DOCUMENTS = {
    "article/a/1/en": '"11"',
    "article/a/2/en": '"22"',
    "article/a/1/es": '"33"',
    "section/a/1/en/intro": '"44"',
    "section/a/2/en/intro": '"55"',
    "locales": '"66"',
}
LATEST = {"a": 2}


def test_pinned_source_versions_are_immutable_except_the_current_article() -> None:
    table = routes(DOCUMENTS, {}, LATEST)
    assert table["article/a/1/en"][2] is True
    assert table["article/a/2/en"][2] is False, "the current version's dates change"
    assert table["article/a/1/es"][2] is False, "an approval re-renders translations"
    assert table["section/a/1/en/intro"][2] is True
    assert table["article/a/latest/en"] == ('"22"', "", False)
    assert table["section/a/latest/en/intro"] == ('"55"', "", False)
    assert table["locales"] == ('"66"', "", False)


def test_nothing_is_immutable_while_a_scheduled_change_is_pending() -> None:
    table = routes(DOCUMENTS, {}, LATEST, change_pending=True)
    assert not any(pinned for _, _, pinned in table.values())
    assert table.keys() == routes(DOCUMENTS, {}, LATEST).keys()
