"""``python -m ripple``: the same as the ``ripple`` command."""

import sys

from ripple.cli import main

sys.exit(main())
