import sys

from assist.cli import main

# The guard matters: engine workers are spawned processes, which import the parent's main module.
if __name__ == "__main__":
    sys.exit(main())
