"""The router: page config and navigation only; every screen lives in pages/."""

import streamlit as st

st.set_page_config(
    page_title="Normalization Explorer", page_icon=":material/science:", layout="wide", initial_sidebar_state=360
)
navigation = st.navigation(
    [
        st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True),
        st.Page("pages/data.py", title="Data", icon=":material/bar_chart:"),
    ]
)
navigation.run()
