"""figtrail: a full, immutable history for every figure.

The client's public API lives here; importing it never imports Django.
"""

__version__ = "0.1.0"
