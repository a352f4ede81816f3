"""Email templates: their format, the sandbox they render in, filters, the message, and checks.

One module per idea: :mod:`~onboard.emails.template` (the file format),
:mod:`~onboard.emails.context` (what a template can use),
:mod:`~onboard.emails.renderpass` (the state of one render pass),
:mod:`~onboard.emails.filters`, :mod:`~onboard.emails.sandbox` (the Jinja
environment), :mod:`~onboard.emails.missing` (values to set, and how),
:mod:`~onboard.emails.recipients`, :mod:`~onboard.emails.attachments`
(what an email attaches), :mod:`~onboard.emails.message` (text, HTML,
.eml), :mod:`~onboard.emails.compose` (:class:`Emails`: find and render)
and :mod:`~onboard.emails.checks` (for ``onboard check``). Only
filters, sandbox and checks import Jinja at module level; compose and the
commands import them inside the functions that render or check, so quick
commands never load Jinja.

May import: ``core``, ``storage``, ``delivery`` (who attended, the names of
the files it attaches) and :mod:`onboard.errors`.
"""
