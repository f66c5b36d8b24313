"""Vega-Lite chart specs and data for the pages: pure functions of the engine's records, no Streamlit."""
