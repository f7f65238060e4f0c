"""Tests of the pipeline app."""
