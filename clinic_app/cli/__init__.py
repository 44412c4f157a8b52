"""The ``clinic-app`` command line: ``main`` parses and dispatches; each sub-command has
its own module exposing ``register(subparsers)``.
"""
