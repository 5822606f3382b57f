"""``python -m microroutes``: the same as the ``microroutes`` command."""

import sys

from .cli import main

sys.exit(main())
