"""Portable bundles: ``figtrail export`` writes one, ``figtrail import`` loads one (see bundle.py)."""
