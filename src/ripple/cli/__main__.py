"""``python -m ripple.cli``."""

import sys

from ripple.cli.main import main

sys.exit(main())
