"""Describe the machine a benchmark ran on, so every printed figure carries its context."""

from __future__ import annotations

import os
import platform
import sys


def describe() -> str:
    """One line: CPU model, cores, memory and Python, read from the running system."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (
        f"machine: {cpu}, {os.cpu_count()} cores{memory}, "
        f"{platform.system()} {platform.release()}, Python {sys.version.split()[0]}"
    )
