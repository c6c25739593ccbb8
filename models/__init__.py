"""The pose model that ships with formcheck (installed as ``formcheck.models``; see README.md)."""
