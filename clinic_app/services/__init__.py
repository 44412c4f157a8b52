"""Use cases: one function per thing a person does.

Each takes plain values (and the unit of work and acting user), runs in one
transaction, writes its audit row, and returns frozen dataclasses, never ORM objects,
so the GUI can never trigger a lazy load on its own thread.
"""
