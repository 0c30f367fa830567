"""The machine, its load, and CPU seconds spent by the server, our workers and everyone else."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": str(os.cpu_count()),
        "cpu model": model,
        "memory": f"{mem:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def process_cpu(pid: int, children: bool = False) -> float:
    """utime+stime (plus reaped children's with ``children``) of ``pid``, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICK


def server_cpu(postmaster: int) -> float:
    """The server's CPU seconds: live backends plus every exited one (reaped by the postmaster)."""
    total = process_cpu(postmaster, children=True)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                ppid = int(Path(f"{entry.path}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == postmaster:
                total += process_cpu(int(entry.name))
    return total


def machine_busy() -> float:
    """CPU seconds spent by anything on the machine (all CPUs, not idle or iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / _TICK


def children_cpu() -> float:
    """CPU seconds of this process's exited and waited-for children (pgbench)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
