"""Plotly figure builders (moving into their subjects)."""
