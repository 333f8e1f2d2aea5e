"""``python -m rtcpeer``: the command line."""

import sys

from rtcpeer.cli.main import main

sys.exit(main())
