"""Data the clinic can review: protocol templates, thresholds, stylesheet, icons.

Shipped as package data (``clinic_app.resources``) and read with importlib.resources.
"""
