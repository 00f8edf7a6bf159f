"""Project tools that are not the server: the documentation site's build hooks."""
