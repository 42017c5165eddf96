"""``cipms batch``: validate, combine, score and benchmark many agencies' returns at once.

The pieces, in the order a run uses them:

- ``discover``: which files a list of paths, folders or a stdin list names;
- ``returns``: read and validate one file into a small picklable ``FileReturn``
  (this is what the process pool runs);
- ``combine``: merge each agency's returns into one ``WorkbookData`` per agency;
- ``benchmark`` and ``funnel``: compare agencies per indicator and period;
- ``tables``: the tidy output tables, with their documented columns;
- ``run``: the orchestration (parallel reading, scoring, tables);
- ``outputs``: CSV, JSON, JSON lines, Excel and Markdown renderings.

The library never prints and never exits; docs/batch.md documents every table.
"""
