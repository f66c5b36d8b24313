"""The Train page: its sidebar, the run in session state, the live views, exports and training workers."""
