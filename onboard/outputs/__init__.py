"""Files made for people: Excel workbooks (read and write), the .ics calendar and the HTML report.

May import: ``core``, ``storage``, ``delivery`` and :mod:`onboard.errors`.
"""
