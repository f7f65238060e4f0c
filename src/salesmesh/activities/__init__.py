"""Sales activities, presales solution requests, and the rollups dashboards read."""
