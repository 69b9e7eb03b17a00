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
  stats    300,000 cases seeded by SQL over twelve months, then eight simultaneous
           /staff/stats pages and eight simultaneous CSV exports (every table, in turn), on
           SQLite; also prints the resident memory before and a minute after the burst
  stats-pg the same on PostgreSQL (a fresh database on JIANDUKA_BENCH_POSTGRES, default
           postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards; needs psql)
  appraisal    1,000,000 cases (JIANDUKA_BENCH_CASES to change it) over the same twelve
           months, in ten units of seven inspectors, with reopenings, returns and urgings;
           then one request at a time, three times each: /staff/stats for twelve months
           (the first counts every day, the others read the kept days), /staff/appraisal
           for November 2026 and its monthly report PDF; then the statistics page once
           after one case changed and once after twenty cases changed on twenty days;
           prints each answer's time and the server's peak RSS
  appraisal-pg the same on PostgreSQL

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


def start(binary, data_dir, extra_env=None, lines=None):
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
        if lines is not None:
            lines.append(line)
        if "listening on" in line:
            break
    threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()
    return server


def peak_rss_mb(pid, field="VmHWM"):
    with open(f"/proc/{pid}/status") as status:
        match = re.search(field + r":\s+(\d+) kB", status.read())
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


STATS_CASES = 300_000
STATS_PERIOD = "from=2025-12&to=2026-12"
STATS_FILES = ["items", "districts", "batches", "channels", "cards", "timing"]


def seed_sql(postgres, cases=STATS_CASES):
    """Reports and cases spread over twelve months (Dec 2025 to Nov 2026), every tenth item, a
    district in ten, two in three accepted (on time or not), one in five concluded and then
    answered and rated; ten units of seven inspectors holding them; one concluded case in ten
    reopened, one case in 40 returned, one in 30 urged."""
    spacing = 31_000_000 // cases
    if postgres:
        at = f"to_timestamp(1765000000 + n * {spacing})"
        later = lambda col, secs: f"{col} + ({secs}) * INTERVAL '1 second'"
        day = lambda col, days: f"CAST({col} AS DATE) + CAST({days} AS INTEGER)"
        now = "now()"
    else:
        at = f"strftime('%Y-%m-%dT%H:%M:%S+00:00', 1765000000 + n * {spacing}, 'unixepoch')"
        later = lambda col, secs: (f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {col}, "
                                   f"'+' || ({secs}) || ' seconds')")
        day = lambda col, days: f"date({col}, '+' || ({days}) || ' days')"
        now = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"
    return [
        f"INSERT INTO reports (received_at, list_version_id, description, anonymous, source, "
        f"from_revoked_card, language, query_code_hash, district) "
        f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {cases}) "
        f"SELECT {at}, (SELECT MAX(id) FROM negative_list_versions), 'bench', TRUE, 'web', "
        f"FALSE, 'zh', 'bench-' || n, '街道' || (n % 10) FROM s",
        "INSERT INTO report_items (report_id, item_id) SELECT r.id, "
        "(SELECT MIN(id) FROM negative_list_items) + r.id % 10 FROM reports r",
        "INSERT INTO cases (number, report_id, status, received_at, needs_supervisor, "
        "updated_at, version, district, from_revoked_card, closed_at) "
        "SELECT 'JD-' || r.id, r.id, 'closed', r.received_at, FALSE, r.received_at, 1, "
        "r.district, FALSE, r.received_at FROM reports r",
        f"UPDATE cases SET accepted_at = {later('received_at', '3600 * (id % 97)')}, "
        f"accept_due_on = {day('received_at', 'id % 5')} WHERE id % 3 <> 0",
        f"UPDATE cases SET concluded_at = {later('accepted_at', '86400 * (id % 23)')}, "
        f"conclude_due_on = {day('accepted_at', '15')}, "
        f"rating = CASE WHEN id % 2 = 0 THEN 'satisfied' ELSE 'not_satisfied' END "
        f"WHERE id % 5 = 0 AND accepted_at IS NOT NULL",
        f"UPDATE cases SET closed_at = {later('concluded_at', '86400 * (id % 7)')}, "
        f"rated_at = {later('concluded_at', '86400 * 8')}, "
        f"feedback_due_on = {day('concluded_at', '5')} WHERE concluded_at IS NOT NULL",
        f"INSERT INTO units (name, created_at) WITH RECURSIVE u(k) AS (SELECT 0 UNION ALL "
        f"SELECT k + 1 FROM u WHERE k < 9) SELECT '第' || k || '纪检监察室', {now} FROM u",
        f"INSERT INTO users (username, display_name, password_hash, role, unit_id, "
        f"failed_logins, must_change_password, active, created_at) "
        f"SELECT 'inspector' || un.id || 'x' || p.k, '承办人' || un.id || '-' || p.k, "
        f"'not-a-login', 'inspector', un.id, 0, FALSE, TRUE, {now} FROM units un, "
        f"(WITH RECURSIVE q(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM q WHERE k < 6) "
        f"SELECT k FROM q) p",
        "UPDATE cases SET unit_id = (SELECT MIN(id) FROM units) + id % 10, "
        "assignee_id = (SELECT MIN(id) FROM users WHERE role = 'inspector') + id % 70",
        f"INSERT INTO case_events (case_id, at, actor_id, kind, public) SELECT id, "
        f"{later('concluded_at', '86400 * 9')}, NULL, 'reopened', FALSE FROM cases "
        f"WHERE concluded_at IS NOT NULL AND id % 50 = 0",
        f"INSERT INTO case_events (case_id, at, actor_id, kind, public) SELECT id, "
        f"{later('received_at', '3600')}, assignee_id, 'returned', FALSE FROM cases "
        f"WHERE id % 40 = 0",
        f"INSERT INTO urgings (case_id, urged_by, note, requested_on, created_at) SELECT id, "
        f"1, 'bench', {day('received_at', '3')}, {later('received_at', '86400')} FROM cases "
        f"WHERE id % 30 = 0",
        "UPDATE users SET must_change_password = FALSE",
    ]


def run_sql(postgres_url, data_dir, statements):
    """Runs `statements` in order on the server's database: PostgreSQL at `postgres_url` (by
    psql, stopping at the first error), else the SQLite file in `data_dir` (each statement
    committed on its own)."""
    if postgres_url:
        script = ";\n".join(statements) + ";\n"
        subprocess.run(["psql", postgres_url, "-qv", "ON_ERROR_STOP=1"],
                       input=script, text=True, check=True)
        return
    import sqlite3
    db = sqlite3.connect(os.path.join(data_dir, "jianduka.db"), timeout=60)
    for statement in statements:
        db.execute(statement)
        db.commit()
    db.close()


def staff_session(lines):
    """Logs the first admin in (who may see the statistics); returns an opener with the
    session cookie."""
    import http.cookiejar
    import urllib.parse
    import urllib.request
    password = next(l.split("password:")[1].strip() for l in lines if "password:" in l)
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    base = f"http://127.0.0.1:{PORT}"
    page = opener.open(f"{base}/login").read()
    token = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"csrf": token, "username": "admin", "password": password,
                                   "next": "/staff"}).encode()
    opener.open(f"{base}/login", body).read()
    return opener


def stats_burst(opener, paths):
    import urllib.error

    def one(path):
        try:
            with opener.open(f"http://127.0.0.1:{PORT}{path}", timeout=600) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError as e:
            return f"error:{type(e).__name__}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(paths)) as pool:
        return list(pool.map(one, paths))


def stats_scenario(binary, postgres, appraisal=False):
    name = ("appraisal" if appraisal else "stats") + ("-pg" if postgres else "")
    cases = int(os.environ.get("JIANDUKA_BENCH_CASES", "1000000")) if appraisal else STATS_CASES
    data_dir = tempfile.mkdtemp(prefix=f"jd-memory-{name}-")
    env, database, server_url = {}, None, None
    if postgres:
        server_url = os.environ.get("JIANDUKA_BENCH_POSTGRES",
                                    "postgres://postgres@127.0.0.1:5432/postgres")
        database = f"jd_memory_{os.getpid()}"
        subprocess.run(["psql", server_url, "-qc", f"CREATE DATABASE {database}"], check=True)
        env["JIANDUKA_DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + database
    lines = []
    server = start(binary, data_dir, env, lines)
    try:
        started = time.monotonic()
        execute = lambda statements: run_sql(env.get("JIANDUKA_DATABASE_URL"), data_dir,
                                             statements)
        execute(seed_sql(postgres, cases) + ["ANALYZE"])
        print(f"{name}: seeded {cases} cases in {time.monotonic() - started:.1f} s")
        opener = staff_session(lines)
        if appraisal:
            for path in [f"/staff/stats?{STATS_PERIOD}", "/staff/appraisal?period=2026-11",
                         "/staff/appraisal/report.pdf?period=2026-11"]:
                times = []
                for _ in range(3):
                    started = time.monotonic()
                    with opener.open(f"http://127.0.0.1:{PORT}{path}", timeout=600) as answer:
                        body = answer.read()
                        status = answer.status
                    times.append(time.monotonic() - started)
                print(f"{name}: {path} -> {status}, {len(body)} bytes, "
                      f"{', '.join(f'{t:.2f}' for t in times)} s; "
                      f"peak RSS so far {peak_rss_mb(server.pid):.1f} MB")
            # Between two of the server's own counts, cases change: the page counts again the
            # days they were received on. One case, then twenty on twenty different days.
            for changed in [1, 20]:
                ids = ", ".join(str(1 + k * (cases // changed)) for k in range(changed))
                sql = (f"UPDATE cases SET rating = CASE WHEN rating = 'satisfied' "
                       f"THEN 'not_satisfied' ELSE 'satisfied' END WHERE id IN ({ids})")
                execute([sql])
                started = time.monotonic()
                with opener.open(f"http://127.0.0.1:{PORT}/staff/stats?{STATS_PERIOD}",
                                 timeout=600) as answer:
                    answer.read()
                print(f"{name}: /staff/stats after {changed} case(s) changed on as many days "
                      f"-> {answer.status}, {time.monotonic() - started:.2f} s")
            timing = opener.open(f"http://127.0.0.1:{PORT}/staff/stats/timing.csv?{STATS_PERIOD}")
            print(f"{name}: counted " + timing.read().decode("utf-8-sig").splitlines()[1])
            print(f"{name}: peak RSS {peak_rss_mb(server.pid):.1f} MB")
            return
        before = peak_rss_mb(server.pid, "VmRSS")
        for label, paths in [
            ("8 × /staff/stats", [f"/staff/stats?{STATS_PERIOD}"] * 8),
            ("8 × CSV", [f"/staff/stats/{STATS_FILES[i % len(STATS_FILES)]}.csv?{STATS_PERIOD}"
                         for i in range(8)]),
        ]:
            started = time.monotonic()
            statuses = stats_burst(opener, paths)
            print(f"{name}: {label} in {time.monotonic() - started:.1f} s, answers "
                  f"{ {s: statuses.count(s) for s in set(statuses)} }; "
                  f"peak RSS so far {peak_rss_mb(server.pid):.1f} MB")
        after = peak_rss_mb(server.pid, "VmRSS")
        timing = opener.open(f"http://127.0.0.1:{PORT}/staff/stats/timing.csv?{STATS_PERIOD}")
        print(f"{name}: counted " + timing.read().decode("utf-8-sig").splitlines()[1])
        time.sleep(60)
        print(f"{name}: RSS {before:.1f} MB before, {after:.1f} MB right after, "
              f"{peak_rss_mb(server.pid, 'VmRSS'):.1f} MB a minute later; "
              f"peak {peak_rss_mb(server.pid):.1f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
        if database:
            subprocess.run(["psql", server_url, "-qc", f"DROP DATABASE IF EXISTS {database}"])


SCENARIOS = {
    "uploads": (uploads, None),
    "photos": (photos, {"JIANDUKA_WORKERS": "8"}),
    "logins": (logins, None),
    "stats": (None, False),
    "stats-pg": (None, True),
    "appraisal": (None, False),
    "appraisal-pg": (None, True),
}


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/jianduka"
    chosen = sys.argv[2:] or list(SCENARIOS)
    for name in chosen:
        if name not in SCENARIOS:
            sys.exit(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
        work, extra = SCENARIOS[name]
        if work is None:
            stats_scenario(binary, postgres=extra, appraisal=name.startswith("appraisal"))
        else:
            scenario(binary, name, work, extra)


if __name__ == "__main__":
    main()
