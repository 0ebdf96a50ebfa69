# RNN Lab for a shared CPU box: python:3.11-slim, CPU-only torch, a non-root user, a health check.
#
#   docker build -t rnn-lab .
#   docker run -p 8501:8501 rnn-lab                       # then open http://localhost:8501
#   docker run -p 8501:8501 -e RNN_LAB_MAX_TRAININGS=4 -e RNN_LAB_TORCH_THREADS=1 --cpus 4 rnn-lab
#
# Settings (environment): RNN_LAB_MAX_TRAININGS (trainings at once), RNN_LAB_TORCH_THREADS (torch threads per
# training), RNN_LAB_SESSION_TTL (seconds before an idle visitor's models are freed), RNN_LAB_CACHE (where
# downloaded public texts are kept). Nothing is downloaded at run time unless a visitor asks for a public text.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RNN_LAB_MAX_TRAININGS=2 \
    RNN_LAB_TORCH_THREADS=1 \
    RNN_LAB_SESSION_TTL=1800 \
    RNN_LAB_CACHE=/home/rnnlab/.cache/rnn-lab

# torch first, from PyTorch's CPU-only index (the default wheel pulls in about 3 GB of CUDA libraries);
# requirements.txt then finds torch==2.13.0 already satisfied (2.13.0+cpu matches it).
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin rnnlab
WORKDIR /app
COPY --chown=root:root . /app
USER rnnlab
RUN mkdir -p "$RNN_LAB_CACHE"

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip() != b'ok')"]

# .streamlit/config.toml (copied with the app) hides tracebacks from visitors and caps uploads.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
