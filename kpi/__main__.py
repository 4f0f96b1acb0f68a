"""``python -m kpi``: the command-line program lives in cli/kpi.py, the top layer.

Found by name at run time, so this package (the lowest layer) imports nothing above it.
"""

import importlib
import os
import sys

try:
    sys.exit(importlib.import_module("cli.kpi").main())
except BrokenPipeError:
    # `python -m kpi values | head`: the reader closed the pipe; not an error.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
