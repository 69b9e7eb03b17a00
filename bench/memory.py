#!/usr/bin/env python3
"""Memory under abuse: the server's peak RSS while it is flooded, and whether /healthz keeps
answering. Three scenarios, each on a fresh server (peak RSS is per process):

  uploads  20 parallel report uploads of a 12000 x 12000 all-black PNG (a few hundred KB that
           would decode to 144 megapixels)
  photos   20 parallel report uploads of an 8000 x 5000 PNG (40 megapixels, within the
           limit: all are decoded and stored) with JIANDUKA_WORKERS=8, so that the one decode
           budget, not the worker count, bounds memory
  logins   200 logins for unknown usernames, 64 at a time, each from its own address
           (X-Real-IP, so the per-address back-off does not stop them first)

Usage: python3 bench/memory.py [path/to/jianduka] [scenario…]
(default target/release/jianduka and every scenario)
Prints one line per scenario: answers by status, /healthz checks and their slowest answer,
and the server's peak RSS (VmHWM).
"""

import concurrent.futures
import http.client
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

PORT = 8097


def black_png(width, height):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def request(method, path, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheader("Set-Cookie") or "", data
    except OSError as e:
        return f"error:{type(e).__name__}", "", b""
    finally:
        conn.close()


def multipart(fields, files):
    boundary = "benchboundary%016x" % random.getrandbits(64)
    parts = []
    for name, value in fields:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                     .encode() + value.encode() + b"\r\n")
    for name, filename, data in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                     f"filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n".encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Health(threading.Thread):
    """Asks /healthz every 50 ms until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.ok = self.failed = 0
        self.slowest = 0.0

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            status, _, _ = request("GET", "/healthz", timeout=10)
            self.slowest = max(self.slowest, time.monotonic() - started)
            if status == 200:
                self.ok += 1
            else:
                self.failed += 1
            time.sleep(0.05)


def start(binary, data_dir, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDUKA_")}
    env.update({
        "JIANDUKA_LOG": "warn",
        "JIANDUKA_INTAKE_CLIENT_LIMIT": "1000000",
        "JIANDUKA_CLIENT_IP_HEADER": "X-Real-IP",
    })
    env.update(extra_env or {})
    server = subprocess.Popen(
        [binary, "--data-dir", data_dir, "serve", "--bind", f"127.0.0.1:{PORT}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in server.stdout:
        if "listening on" in line:
            break
    threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()
    return server


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        match = re.search(r"VmHWM:\s+(\d+) kB", status.read())
    return int(match.group(1)) / 1024 if match else float("nan")


def scenario(binary, name, work, extra_env=None):
    data_dir = tempfile.mkdtemp(prefix=f"jd-memory-{name}-")
    server = start(binary, data_dir, extra_env)
    health = Health()
    try:
        health.start()
        started = time.monotonic()
        statuses = work()
        elapsed = time.monotonic() - started
        health.stop.set()
        health.join()
        counts = {}
        for status in statuses:
            counts[status] = counts.get(status, 0) + 1
        print(f"{name}: {len(statuses)} requests in {elapsed:.1f} s, answers {counts}; "
              f"/healthz {health.ok} ok, {health.failed} failed, slowest {health.slowest*1000:.0f} ms; "
              f"peak RSS {peak_rss_mb(server.pid):.1f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def uploads():
    return parallel_uploads("uploads", black_png(12000, 12000))


def photos():
    return parallel_uploads("photos", black_png(8000, 5000))


def parallel_uploads(name, png):
    story = "窗口工作人员要求我们请客吃饭才给办理，前后跑了五次。"

    def one(i):
        body, content_type = multipart([("item", "1"), ("description", story)],
                                       [("attachment", "black.png", png)])
        status, _, _ = request("POST", "/report", body,
                               {"Content-Type": content_type, "X-Real-IP": f"10.9.0.{i}"})
        return status

    print(f"{name}: the PNG is {len(png) / 1024:.0f} KB")
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        return list(pool.map(one, range(20)))


def logins():
    status, cookie, page = request("GET", "/login")
    token = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    cookie = cookie.split(";")[0]

    def one(i):
        body = f"csrf={token}&username=nobody{i}&password=guess-{i}&next=%2Fstaff"
        status, _, _ = request("POST", "/login", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "X-Real-IP": f"10.{i // 250}.{i % 250}.7",
        })
        return status

    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        return list(pool.map(one, range(200)))


SCENARIOS = {
    "uploads": (uploads, None),
    "photos": (photos, {"JIANDUKA_WORKERS": "8"}),
    "logins": (logins, None),
}


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/jianduka"
    chosen = sys.argv[2:] or list(SCENARIOS)
    for name in chosen:
        if name not in SCENARIOS:
            sys.exit(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
        work, extra_env = SCENARIOS[name]
        scenario(binary, name, work, extra_env)


if __name__ == "__main__":
    main()
