"""The delivery's records: roster, attendance and evaluations, read from files and kept per client.

Owns reading rosters, attendance sheets, meeting reports and survey results
(cells, headers, marks, matching), the stored records in the client's folder
and the facts the delivery gives (:mod:`onboard.delivery.facts`).

May import: ``core``, ``storage`` and :mod:`onboard.errors`. Workbooks are
read through :mod:`onboard.outputs.excel` only by the commands.
"""
