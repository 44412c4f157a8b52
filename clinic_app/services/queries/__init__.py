"""Queries: frozen read models for screens and documents. They never write and never
import ``services.commands``.
"""
