"""cipms: Continuous Improvement Performance Management on local spreadsheets."""

__version__ = "0.1.0"
