"""The Data page: its sidebar, state, cached data preparation and views."""
