"""EMS: plans and runs a home battery for money."""
