"""Read the wrk outputs of one run and print the results table (Markdown).

Usage: python -m bench.report RUN_DIR. RUN_DIR holds targets.tsv (name, path, HTTP
status, bytes), one <n>.txt per target with `wrk --latency` output and one <n>.log with
the server's log lines of that measurement. The shop logs every request with its
duration (shop.request); their median is the time spent inside Django, apart from the
time a request waits for a free worker.
"""

import re
import sys
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
REQUEST_LOG = re.compile(r"shop\.request\W.*?\bGET \S+ 200 ([\d.]+)ms")


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    found = {
        "rps": re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M),
        "p50": re.search(r"^\s+50%\s+(\S+)", output, re.M),
        "p99": re.search(r"^\s+99%\s+(\S+)", output, re.M),
        "requests": re.search(r"^\s+(\d+) requests in", output, re.M),
        "non2xx": re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output),
        "socket": re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output),
    }
    if not (found["rps"] and found["p50"] and found["p99"]):
        raise ValueError("not wrk --latency output")
    return {
        "rps": float(found["rps"].group(1)),
        "p50": milliseconds(found["p50"].group(1)),
        "p99": milliseconds(found["p99"].group(1)),
        "requests": int(found["requests"].group(1)) if found["requests"] else 0,
        "errors": (int(found["non2xx"].group(1)) if found["non2xx"] else 0)
        + (sum(int(n) for n in found["socket"].groups()) if found["socket"] else 0),
    }


def server_median(log: str) -> float | None:
    durations = sorted(float(ms) for ms in REQUEST_LOG.findall(log))
    return durations[len(durations) // 2] if durations else None


def table(run_dir: Path) -> str:
    rows = []
    for number, line in enumerate((run_dir / "targets.tsv").read_text().splitlines(), start=1):
        name, path, status, size = line.split("\t")
        result_file = run_dir / f"{number}.txt"
        result = parse_wrk(result_file.read_text()) if result_file.exists() else None
        log_file = run_dir / f"{number}.log"
        if result is not None:
            result["server_p50"] = server_median(log_file.read_text()) if log_file.exists() else None
        rows.append((name, path, status, size, result))
    ceiling = next((r for name, _, _, _, r in rows if name == "ceiling" and r), None)

    lines = [
        "| page | URL | bytes | req/s | p50 ms | p99 ms | of ceiling | in Django p50 ms | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, path, status, size, result in rows:
        if result is None:
            reason = "no route yet" if not path else f"skipped: HTTP {status}"
            lines.append(f"| {name} | `{path or '-'}` | - | {reason} | | | | | |")
            continue
        share = f"{result['rps'] / ceiling['rps']:.0%}" if ceiling else "-"
        inside = f"{result['server_p50']:.1f}" if result["server_p50"] is not None else "-"
        lines.append(
            f"| {name} | `{path}` | {int(size):,} | {result['rps']:,.0f} | {result['p50']:.1f} | "
            f"{result['p99']:.1f} | {share} | {inside} | {result['errors']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(Path(sys.argv[1])))
