"""Leads and opportunities, with each opportunity's full stage history."""
