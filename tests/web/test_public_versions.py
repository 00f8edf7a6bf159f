"""The public version list names people as readers are shown them (partner review L7): a
display name where the account sets one, never the name a person signs in with."""

from __future__ import annotations

from pathlib import Path

from api.store.schema import open_database
from tests.web.test_workflow import ARTICLE, Client, _submitted, auth

__all__ = ["auth"]


def test_version_lists_show_display_names_not_sign_in_names(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    db = open_database(db_path)
    db.execute("UPDATE people SET display_name = 'Dr Rivka Evans' WHERE name = 'rev'")
    db.execute("UPDATE people SET display_name = 'Edda Dorn' WHERE name = 'ed'")
    db.conn.commit()
    db.conn.close()
    draft, etag = _submitted(client, auth)
    published = client.post(
        f"/v1/manage/drafts/{draft}/publish", headers={**auth["rev"], "If-Match": etag}
    )
    assert published.status_code == 200, published.text
    versions = client.get(f"{ARTICLE}/versions").json()
    latest = versions[-1]
    assert (latest["author"], latest["reviewer"], latest["authors"]) == (
        "Edda Dorn",
        "Dr Rivka Evans",
        ["Edda Dorn"],
    )
    shown = str(versions)
    assert "'rev'" not in shown and "'ed'" not in shown
    # A name with no account (the importer's) is shown as recorded.
    assert versions[0]["author"] == "import"
