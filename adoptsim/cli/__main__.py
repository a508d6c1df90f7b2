"""``python -m adoptsim.cli``."""

from adoptsim.cli import main

main()
