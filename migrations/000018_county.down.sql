DELETE FROM users WHERE role = 'county';
DROP INDEX townships_county;
ALTER TABLE users DROP CONSTRAINT users_county_check;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('office','leader','secretary'));
ALTER TABLE users DROP COLUMN county;
ALTER TABLE users ALTER COLUMN township_id SET NOT NULL;
