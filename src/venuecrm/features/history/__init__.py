"""Change records and the history actions that read them."""
