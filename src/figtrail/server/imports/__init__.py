"""Imports: PowerPoint and Word files and Git repositories become figures; SSH keys for Git."""
