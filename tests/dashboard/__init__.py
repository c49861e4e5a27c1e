"""Tests of the dashboards in dashboards/."""
