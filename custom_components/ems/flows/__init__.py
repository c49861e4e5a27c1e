"""The option and reconfigure steps of the config flow, and the schemas they share."""
