"""The PySide6 user interface: widgets, dialogs, Qt models and the task runner.

The only package (with ``clinic_app/app.py``) allowed to import Qt. It calls services
and shows the frozen dataclasses they return; it never holds a database session.
"""
