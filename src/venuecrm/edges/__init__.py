"""The HTTP edges: iVvy's action API and the unified /crm API, thin adapters over features."""
