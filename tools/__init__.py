"""Developer tools: files of the repository regenerated from their sources, and the
documentation site's build hooks."""
