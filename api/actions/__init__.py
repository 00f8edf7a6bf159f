"""The application layer: every write use case, once.

Each use case takes the database, the person acting (`Principal`), typed input and, where
the write depends on what was read, the ETag the caller read (If-Match), and does, in this
order:

1. **authorise**: `api.core.access.may`, the one permission rule (the same function the
   workspace asks to show or disable its buttons);
2. **validate**: the content checked as files are (`vetted check`), the catalog parsed as an
   import parses it, a comment or reason present;
3. **store**: the store function, in one transaction;
4. **audit**: the audit entry, written by the store in that same transaction (so a change
   and its record commit together, or neither does). A rule that needs what the
   transaction reads (who wrote a draft, the review rule) is asked again there, through
   `may` too.

The API controllers (`api.web.manage`, `api.web.catalogs`), the workspace
(`api.web.workspace`) and the command line (`api.cli`) call these functions alike; none of
them keeps a rule of its own. See docs/decisions/application-layer.md.
"""
