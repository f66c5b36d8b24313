"""The Compare page's Streamlit side: the setup (controls), the sweep in the session (state), the views."""
