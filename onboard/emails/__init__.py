"""Email templates: their format, the sandbox they render in, filters, the message, and checks.

May import: ``core``, ``storage`` and :mod:`onboard.errors`.
"""
