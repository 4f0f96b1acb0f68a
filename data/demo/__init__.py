"""Synthetic demo data: generated frames, loaded as ordinary uploads; uses every other
data sub-package."""
