"""End-to-end browser test of the dashboard: `scripts/e2e` (not part of the pytest run)."""
