"""The record of a strategy discussion: capture, completeness, documents, circulation,
and the compliance figures built from it."""
