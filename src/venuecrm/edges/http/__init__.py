"""HTTP plumbing both edges share: dependencies, envelopes, request context, limits, server."""
