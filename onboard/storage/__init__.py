"""Files on disk: the workspace, the playbook library, the client store, atomic writes, git.

Owns every write the project makes (:mod:`onboard.storage.atomic` is the one
helper that writes a file safely), reading TOML, finding the workspace and
the shipped templates, and committing changes to git.

May import: ``core`` and :mod:`onboard.errors`. Never cache, delivery,
emails, outputs, ui or commands.
"""
