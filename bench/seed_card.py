#!/usr/bin/env python3
"""Inserts one enterprise, one batch and one card into a jianduka SQLite database (the server
must have run once so the schema exists) and prints the card's token. Bench setup only."""
import base64, os, sqlite3, sys
from datetime import datetime, timezone

db = sqlite3.connect(sys.argv[1])
now = datetime.now(timezone.utc).isoformat()
token = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
cur = db.cursor()
version = cur.execute("SELECT id FROM negative_list_versions ORDER BY version DESC LIMIT 1").fetchone()[0]
cur.execute("INSERT INTO enterprises (uscc, name, district, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            ("91330681BENCH" + token[:5], "诸暨市压测袜业有限公司", "暨阳街道", now, now))
enterprise = cur.lastrowid
cur.execute("INSERT INTO card_batches (kind, channel, template, list_version_id, scope, card_count, created_by_label, created_at)"
            " VALUES ('card', 'visit', 'id1', ?, 'bench', 1, 'bench', ?)", (version, now))
batch = cur.lastrowid
cur.execute("INSERT INTO cards (serial, token, batch_id, position_in_batch, enterprise_id, status, issued_at)"
            " VALUES (?, ?, ?, 1, ?, 'active', ?)", ("BENCH-" + token[:6], token, batch, enterprise, now))
db.commit()
print(token)
