"""Tests of the activities app."""
