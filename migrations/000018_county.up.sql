-- The county's accounts (县委组织部): no township of their own; they read every township
-- of their county and write nothing. Created from the command line only.
ALTER TABLE users ALTER COLUMN township_id DROP NOT NULL;
ALTER TABLE users ADD COLUMN county text;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('office','leader','secretary','county'));
ALTER TABLE users ADD CONSTRAINT users_county_check CHECK (
    CASE WHEN role = 'county' THEN township_id IS NULL AND county IS NOT NULL AND btrim(county) <> ''
         ELSE township_id IS NOT NULL AND county IS NULL END);
CREATE INDEX townships_county ON townships (county);
