"""Developer tools that regenerate files of the repository."""
