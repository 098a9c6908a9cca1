-- 013: the JSON API, /metrics and /readyz (issue 16).
--
-- api_tokens: the bearer tokens of the JSON API, by the sha256 of their
-- secret only. A token reads "mdg_<id>_<secret>": the id finds the row,
-- the secret's hash is then compared in constant time. A revoked token
-- keeps its row (who had it, until when) and frees its name.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,               -- public, random: the token's first part
    name TEXT NOT NULL,                -- what its calls are audited under
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write', 'alerts', 'metrics')),
    secret_hash TEXT NOT NULL,         -- hex sha256 of the secret part
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    last_used_at TEXT NOT NULL DEFAULT '',
    revoked_at TEXT NOT NULL DEFAULT '' -- '' = live
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_at = '';

-- health_probe: the one row /readyz writes to prove the store takes a
-- durable write.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);

-- The gauges /metrics reads at every scrape: the tickets not closed by
-- status and tier from this partial index alone, whatever the number of
-- closed tickets behind them.
CREATE INDEX tickets_open_by_tier ON tickets(status, tier, tier_since) WHERE status <> 'closed';
