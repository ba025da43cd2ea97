"""The ``figtrail`` command line."""
