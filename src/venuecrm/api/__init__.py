"""HTTP edge: routers, dependencies, error rendering."""
