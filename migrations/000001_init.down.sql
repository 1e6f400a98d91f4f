DROP TABLE IF EXISTS auth_failures, users, raters, rater_categories;
ALTER TABLE IF EXISTS organisations DROP CONSTRAINT IF EXISTS organisations_township_id_responsible_id_fkey;
DROP TABLE IF EXISTS people, organisations, villages, townships, sessions;
DROP COLLATION IF EXISTS zh_pinyin;
