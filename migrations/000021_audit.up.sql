-- The audit log (操作记录): who did what to which record, when, from where, with the fields
-- it changed. Append-only for the app: its role pingyi_app may insert and read, never
-- change or delete. Nothing about a ballot or which code was used is ever written here.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint REFERENCES townships,  -- NULL: a sign-in under an unknown name, a county account's own pages
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint,                        -- the account (no foreign key: the record outlives it)
    actor       text NOT NULL DEFAULT '',      -- its name and sign-in name at the time
    role        text NOT NULL DEFAULT '',
    addr        text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    action      text NOT NULL,                 -- e.g. round.open, person.edit, export.results
    route       text NOT NULL DEFAULT '',      -- METHOD and route pattern
    object      text NOT NULL DEFAULT '',      -- e.g. /rounds/12
    round_id    bigint,
    summary     text NOT NULL DEFAULT '',
    changes     jsonb NOT NULL DEFAULT '{}'    -- {"field": [before, after]}; before null when not known
);
CREATE INDEX audit_log_township_at ON audit_log (township_id, at DESC, id DESC);
CREATE INDEX audit_log_round ON audit_log (township_id, round_id, at DESC) WHERE round_id IS NOT NULL;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON audit_log TO pingyi_app
    USING (township_id = ANY (pingyi_townships())) WITH CHECK (township_id IS NULL OR township_id = ANY (pingyi_townships()));
REVOKE ALL ON audit_log FROM pingyi_app;
GRANT SELECT, INSERT ON audit_log TO pingyi_app;
