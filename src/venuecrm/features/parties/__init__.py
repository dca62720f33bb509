"""Companies and contacts: matching, checking, writing and reading them, nested or alone."""
