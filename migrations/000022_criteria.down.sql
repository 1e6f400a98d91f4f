DROP TABLE round_criteria;
ALTER TABLE rounds DROP COLUMN criteria, DROP COLUMN person_criteria;
