"""B12 injection clinic: roster, regimens, booking, recording and printing for a GP practice."""

__version__ = "0.1.0"
