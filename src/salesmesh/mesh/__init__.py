"""The mesh wired to the database: an approved plan against what the rollups say happened."""
