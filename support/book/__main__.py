"""``python -m support.book run|check|build|refs``: see :mod:`support.book.runner`."""

import sys

from support.book.runner import main

sys.exit(main())
