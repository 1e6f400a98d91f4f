-- Any number of rater groups (计票组) per round, 1 to 6. A township keeps its own groups
-- (by default 党委票决 40 and 公众评议 60, as method.md §3 reads); each rater category
-- belongs to one of them by default, and each round copies the groups it uses, with their
-- names and weights, so a later rename or new weight never rewrites history.

CREATE TABLE township_groups (
    township_id    bigint NOT NULL REFERENCES townships,
    key            text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,15}$'),
    name           text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 20),
    default_weight int NOT NULL DEFAULT 0 CHECK (default_weight BETWEEN 0 AND 100),
    position       int NOT NULL DEFAULT 100,
    PRIMARY KEY (township_id, key),
    UNIQUE (township_id, name)
);
INSERT INTO township_groups (township_id, key, name, default_weight, position)
SELECT t.id, g.key, g.name, g.weight, g.position
FROM townships t CROSS JOIN (VALUES ('peer', '党委票决', 40, 1), ('public', '公众评议', 60, 2)) AS g(key, name, weight, position);

ALTER TABLE rater_categories DROP CONSTRAINT rater_categories_default_group_check;
ALTER TABLE rater_categories
    ADD FOREIGN KEY (township_id, default_group) REFERENCES township_groups (township_id, key) ON UPDATE CASCADE;

ALTER TABLE round_groups DROP CONSTRAINT round_groups_key_check;
ALTER TABLE round_groups
    ADD COLUMN name     text NOT NULL DEFAULT '',
    ADD COLUMN position int NOT NULL DEFAULT 100,
    ADD CONSTRAINT round_groups_key_format CHECK (key ~ '^[a-z][a-z0-9_]{0,15}$');
UPDATE round_groups SET name = CASE key WHEN 'peer' THEN '党委票决' ELSE '公众评议' END,
                        position = CASE key WHEN 'peer' THEN 1 ELSE 2 END;
ALTER TABLE round_groups ALTER COLUMN name DROP DEFAULT,
    ADD CONSTRAINT round_groups_name_check CHECK (btrim(name) <> '');
