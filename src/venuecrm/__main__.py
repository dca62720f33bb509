"""``python -m venuecrm``."""

from venuecrm.cli import main

main()
