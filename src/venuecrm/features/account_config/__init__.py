"""``venuecrm config``: an account's configuration exported and applied as one file.

Its surface is ``service``: ``export_config``, ``apply_config`` and ``InvalidConfiguration``.
The rest are its parts: ``document`` (YAML in and out), ``schemas`` and ``fields`` (the file's
model), ``tables`` (each table the file holds, described once) and ``plan`` (what applying
changes).
"""
