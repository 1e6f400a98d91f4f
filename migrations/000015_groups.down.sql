DELETE FROM round_groups WHERE key NOT IN ('peer', 'public');
ALTER TABLE round_groups DROP CONSTRAINT round_groups_name_check, DROP CONSTRAINT round_groups_key_format,
    DROP COLUMN name, DROP COLUMN position;
ALTER TABLE round_groups ADD CONSTRAINT round_groups_key_check CHECK (key IN ('peer','public'));
ALTER TABLE rater_categories DROP CONSTRAINT rater_categories_township_id_default_group_fkey;
UPDATE rater_categories SET default_group = 'public' WHERE default_group NOT IN ('peer', 'public');
ALTER TABLE rater_categories ADD CONSTRAINT rater_categories_default_group_check CHECK (default_group IN ('peer','public'));
DROP TABLE township_groups;
