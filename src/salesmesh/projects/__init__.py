"""Project paradigm: projects, milestones, stakeholders, resources, reviews, scenarios."""
