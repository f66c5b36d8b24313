"""The Learn page's Streamlit side: the experiments' shared cache, the sections and their views, the glossary."""
