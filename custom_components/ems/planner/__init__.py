"""Battery schedule optimisation: pure, no Home Assistant imports."""
