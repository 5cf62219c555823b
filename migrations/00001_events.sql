-- +goose Up
-- The event log. Rows are inserted with their stream version; a global
-- position is assigned afterwards by the sequencer, in commit-safe order
-- (see store/pgstore), so readers never skip an event that committed late.
CREATE TABLE events (
    ins_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid       XID8        NOT NULL DEFAULT pg_current_xact_id(),
    position   BIGINT      UNIQUE,
    stream     TEXT        NOT NULL,
    version    BIGINT      NOT NULL CHECK (version > 0),
    event_id   TEXT        NOT NULL UNIQUE,
    type       TEXT        NOT NULL,
    schema     INT         NOT NULL,
    time       TIMESTAMPTZ NOT NULL,
    data       JSONB       NOT NULL,
    UNIQUE (stream, version)
);
CREATE INDEX events_unsequenced ON events (txid, ins_id) WHERE position IS NULL;

-- +goose Down
DROP TABLE events;
