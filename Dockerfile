# The app on port 8501: CPU-only torch, a non-root user, a health check on Streamlit's own endpoint.
#   docker build -t normalization-explorer . && docker run -p 8501:8501 normalization-explorer
# Behind a mirror or without Docker Hub, both sources are build arguments (README, Docker):
#   --build-arg BASE_IMAGE=mirror.example/python:3.11-slim --build-arg TORCH_INDEX_URL=https://mirror.example/whl/cpu
# The base must put `python` and `pip` (Python 3.11) on PATH, as python:3.11-slim does.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# PyTorch's CPU index: the default index resolves torch to a multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

# PYTHONPATH: `dask worker` run from this image must import the project's code (sweep tasks are its functions).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# torch first, on its own layer (the slow download, cached while requirements.txt changes). The pin in
# requirements.txt (torch==2.13.0) is then already met by 2.13.0+cpu, so the second install keeps it.
RUN useradd --create-home --uid 10001 app \
    && pip install torch==2.13.0 --index-url "${TORCH_INDEX_URL}"
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code, .streamlit/config.toml included (the same serving settings as a checkout); root-owned, so
# the server cannot rewrite its own code.
COPY . .
# The Learn page's evidence, computed once here (about a minute on 2 cores), so a container serves every
# section from its first request; the data folder is the server's own to write (new evidence after a code
# change, the rooms database).
ENV EXPLORER_DATA_DIR=/app/var
RUN python -m explorer.teaching.evidence --quiet && chown -R 10001:10001 /app/var
USER 10001:10001

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["python", "-m", "ui.serve", \
     "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", \
     "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]
