"""iVvy's action API: the action registry, its route and its request signing."""
