"""The activity log: who created, changed, deleted or viewed what, and when."""
