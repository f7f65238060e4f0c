"""Dashboards: overview, one per paradigm, and the mesh tree with its catch-up plan."""
