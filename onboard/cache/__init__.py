"""Kept results that make `list`, `due` and `status` fast: the index and the status model.

Everything here can be deleted at any time (``.onboard-cache/``); an entry is
used only while the client file, its playbook, the holidays and the code
(:mod:`onboard.cache.fingerprint`) are what they were when it was computed.

May import: ``core``, ``storage`` and :mod:`onboard.errors`.
"""
