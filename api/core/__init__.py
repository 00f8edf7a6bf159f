"""Pure domain: content model, validation, locales, rendering. No HTTP, SQL or files."""
