"""``python -m support.cwgan sample MAP --T T -n N -o OUT.npz``: see :mod:`support.cwgan.cli`."""

import sys

from support.cwgan.cli import main

sys.exit(main())
