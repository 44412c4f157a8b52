"""Commands: one function per thing a person does that changes a record.

Each runs through the one envelope in ``services.envelope``; queries never import
these modules.
"""
