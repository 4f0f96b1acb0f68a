import os
import sys

from kpi.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # `python -m kpi values | head`: the reader closed the pipe; not an error.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
