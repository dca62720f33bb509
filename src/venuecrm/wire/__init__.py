"""iVvy wire types every feature and edge shares: ids, timestamps, collections, parsing."""
