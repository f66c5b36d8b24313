"""Streamlit helpers for the pages: widgets to Config, the run in session_state, drawing the charts."""
