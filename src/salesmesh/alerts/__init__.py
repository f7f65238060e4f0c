"""Alerts: pacing, untouched named accounts, milestones at risk, presales SLA breaches."""
