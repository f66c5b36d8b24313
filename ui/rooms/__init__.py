"""The Rooms page's Streamlit side: the join and create forms (controls), the session's rooms (state),
the board and the instructor's tools (views)."""
