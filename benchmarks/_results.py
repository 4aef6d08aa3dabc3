"""Shared by the benchmark scripts: replace one script's section of ``RESULTS.md``."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(header: str, section: str, path: Path = RESULTS) -> None:
    """Replace the section starting with ``header`` (up to the next ``## ``), or append it.

    Other scripts' sections are left alone; the file is replaced atomically.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    body = section.rstrip("\n") + "\n\n"
    pattern = re.compile(rf"^{re.escape(header)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body, text)  # a function: no backslash escapes in body
    else:
        text = text.rstrip("\n") + "\n\n" + body
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    tmp.replace(path)


def machine() -> str:
    """CPU model, core count, Python version and OS, for the benchmark headers."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
