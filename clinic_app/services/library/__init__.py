"""The clinic's rule files: regimen templates and platelet thresholds."""
