"""Vetted: a multilingual, versioned content API for vetted medical information."""
