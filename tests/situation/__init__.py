"""Tests of planning from a Situation (core.situation) and its command line."""
