"""Tests of the controllable loads."""
