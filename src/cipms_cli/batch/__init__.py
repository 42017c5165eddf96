"""``cipms batch``: validate, combine, score and benchmark many agencies' returns at once.

The pieces, in the order a run uses them:

- ``discover``: which files a list of paths, folders or a stdin list names;
- ``returns``: read and validate one file into a small picklable ``FileReturn``
  (this is what the process pool runs);
- ``combine``: merge each agency's returns into one ``WorkbookData`` per agency;
- ``scored``: score one merged agency and reduce it, in the worker, to its share of
  the tables (``agency_rows``) and its figures for benchmarking (``observations``);
- ``spool``: an unnamed temporary file where returns and CSV lines wait meanwhile;
- ``benchmark`` and ``funnel``: compare agencies per indicator and period;
- ``columns`` and ``tables``: the tidy output tables and their documented columns;
- ``run``: the orchestration (parallel reading, scoring, benchmarking);
- ``outputs``: CSV, JSON, JSON lines, Excel and Markdown renderings.

The library never prints and never exits; docs/batch.md documents every table.
"""
