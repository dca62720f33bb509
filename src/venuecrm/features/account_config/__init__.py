"""``venuecrm config``: an account's configuration exported and applied as one file."""
