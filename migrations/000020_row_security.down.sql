DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'township'
    LOOP
        EXECUTE format('DROP POLICY township ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;
DROP FUNCTION pingyi_townships();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM pingyi_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM pingyi_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pingyi_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM pingyi_app;
REVOKE USAGE ON SCHEMA public FROM pingyi_app;
-- The role stays: other databases of the cluster may use it.
