"""Inverter protocol clients: pure asyncio, no Home Assistant imports."""
