"""The router: page config and navigation only; every screen lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Normalization Explorer", page_icon="🔬", layout="wide")
navigation = st.navigation(
    [
        st.Page("pages/train.py", title="Train", icon="🏋️", default=True),
        st.Page("pages/data.py", title="Data", icon="📊"),
    ]
)
navigation.run()
