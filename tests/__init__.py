"""Tests for the EMS integration."""
