"""The terminal: output (one :class:`~onboard.ui.terminal.Terminal`), prompts, answers, completion.

May import: ``core``, ``storage`` and :mod:`onboard.errors`.
"""
