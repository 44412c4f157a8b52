"""Sub-commands of `clinic-app`, one module each.

Every module exposes ``register(subparsers)``: it adds its parser and sets
``handler`` (a callable taking the parsed namespace and returning an exit code)
with ``set_defaults``. Keeping each command in its own module keeps ``cli.py`` a
thin dispatcher and lets each command import only what it needs, so
``clinic-app plan`` never pays for importing Qt.
"""
