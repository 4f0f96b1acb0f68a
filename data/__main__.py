"""``python -m data``: the command-line program lives in cli/data.py, the top layer.

Found by name at run time, so this package imports nothing above it.
"""

import importlib
import sys

sys.exit(importlib.import_module("cli.data").main())
