"""Course plans: turning a course and its history into appointment rows, and the
nightly refresh that keeps every plan current.
"""
