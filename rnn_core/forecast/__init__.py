"""Forecast a time series: the series and their windows, the forecaster and its baselines, figures and command."""
