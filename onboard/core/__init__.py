"""The pure core: playbooks, conditions, due rules, fields, client state, the engine, the agenda, names.

Owns the rules: what a playbook says, what is next, when it is due, what a
file is called. Takes today's date as an argument and touches no file.

May import: the standard library, :mod:`onboard.errors` and other ``core``
modules. Never storage, cache, delivery, emails, outputs, ui or commands.
"""
