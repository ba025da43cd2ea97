"""Workspaces, analyses, figures, revisions, data objects and assets."""
