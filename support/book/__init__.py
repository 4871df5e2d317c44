"""The book's machinery: the runner, its parameter schema, notebook helpers, progress and run-time choices.

* :mod:`~support.book.runner`: ``python -m support.book run|check|build|refs`` (:mod:`support.book.__main__`);
* :mod:`~support.book.spec`, :mod:`~support.book.params`: typed parameter rules, checked before any work;
* :mod:`~support.book.cells`: cell tags that fold code, outputs without machine paths;
* :mod:`~support.book.offline`: the built book works without network;
* :mod:`~support.book.widths`: no output line of the executed chapters wider than the column;
* :mod:`~support.book.paper_check`: ``make paper-check``;
* :mod:`~support.book.findings`: the findings page's rows, read from the chapters' results and judged;
* :mod:`~support.book.results_reference`: the smoke book's results, pinned (the results regression);
* :mod:`~support.book.progress`, :mod:`~support.book.runtime`: progress bars and run-time choices
  (device, threads, seeds, data folders). These two import nothing of :mod:`support`, so every
  package may use them; the runner imports the rest of the package only inside its functions.

May import: nothing of support at load time (the runner imports support.store inside its functions)
"""
