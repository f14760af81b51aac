"""``python -m dxsim`` runs the command line."""

import sys

from dxsim.cli import main

sys.exit(main())
