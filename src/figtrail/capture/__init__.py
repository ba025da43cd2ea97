"""Turning a live figure into revision data: backends, annotators, the watermark, tracked data files."""
