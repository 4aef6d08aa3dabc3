"""``python -m territory_opt.cli``."""

from . import main

main()
