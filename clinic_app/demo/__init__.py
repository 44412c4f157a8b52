"""The demo clinic: invented patients, courses, sessions and history, for the first
run, screenshots and benchmarks. Built through bulk inserts, never used in production.
"""
