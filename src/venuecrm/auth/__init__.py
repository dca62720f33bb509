"""Request authentication: iVvy signing and API key material."""
