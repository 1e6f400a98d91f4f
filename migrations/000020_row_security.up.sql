-- Row-level security (defence in depth): the app's queries run as pingyi_app, set per
-- transaction with set_config('role', 'pingyi_app', true) together with
-- pingyi.townships (the townships the request may see), so a query that forgets its
-- township sees nothing of another township. The role that runs the migrations owns the
-- tables and is not restricted (command line, demo loader, lookups by a globally unique key).

DO $$
BEGIN
    CREATE ROLE pingyi_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    NULL; -- roles are per cluster: another database made it first
END $$;

DO $$
BEGIN
    EXECUTE format('GRANT pingyi_app TO %I', current_user);
EXCEPTION WHEN duplicate_object OR invalid_grant_operation THEN
    NULL;
END $$;

GRANT USAGE ON SCHEMA public TO pingyi_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pingyi_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pingyi_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pingyi_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pingyi_app;

-- The townships a transaction may see; NULL (nothing) when the setting is unset or empty.
CREATE FUNCTION pingyi_townships() RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT string_to_array(nullif(current_setting('pingyi.townships', true), ''), ',')::bigint[] $$;

-- Every table with a township_id column: its rows, by their township.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = 'public' AND c.column_name = 'township_id' AND tb.table_type = 'BASE TABLE'
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY township ON %I TO pingyi_app
            USING (township_id = ANY (pingyi_townships())) WITH CHECK (township_id = ANY (pingyi_townships()))', t);
    END LOOP;
END $$;

ALTER TABLE townships ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON townships TO pingyi_app
    USING (id = ANY (pingyi_townships())) WITH CHECK (id = ANY (pingyi_townships()));

-- Tables that hang from a township-scoped parent: a row is visible when its parent is.
ALTER TABLE round_groups ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON round_groups TO pingyi_app
    USING (EXISTS (SELECT 1 FROM rounds r WHERE r.id = round_id));
ALTER TABLE ballot_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON ballot_codes TO pingyi_app
    USING (EXISTS (SELECT 1 FROM rounds r WHERE r.id = round_id));
ALTER TABLE round_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON round_results TO pingyi_app
    USING (EXISTS (SELECT 1 FROM rounds r WHERE r.id = round_id));
ALTER TABLE report_files ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON report_files TO pingyi_app
    USING (EXISTS (SELECT 1 FROM round_subjects s WHERE s.id = round_subject_id));
ALTER TABLE score_areas ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON score_areas TO pingyi_app
    USING (EXISTS (SELECT 1 FROM score_templates t WHERE t.id = template_id));
ALTER TABLE score_clauses ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON score_clauses TO pingyi_app
    USING (EXISTS (SELECT 1 FROM score_templates t WHERE t.id = template_id));
ALTER TABLE score_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON score_entries TO pingyi_app
    USING (EXISTS (SELECT 1 FROM score_subjects s WHERE s.id = subject_id));
ALTER TABLE score_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON score_history TO pingyi_app
    USING (EXISTS (SELECT 1 FROM score_subjects s WHERE s.id = subject_id));
ALTER TABLE score_files ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON score_files TO pingyi_app
    USING (EXISTS (SELECT 1 FROM score_subjects s WHERE s.id = subject_id));
