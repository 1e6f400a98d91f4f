DROP TABLE IF EXISTS talk_files, referrals, document_counters, admonishment_documents,
    period_followups, admonishment_periods, rectifications, talk_settings;
DROP INDEX IF EXISTS talks_person_idx, talks_org_idx;
ALTER TABLE talks
    DROP CONSTRAINT IF EXISTS talks_recorded_by_fkey,
    DROP CONSTRAINT IF EXISTS talks_township_id_id_key,
    DROP COLUMN IF EXISTS planned_on, DROP COLUMN IF EXISTS place, DROP COLUMN IF EXISTS talker_post,
    DROP COLUMN IF EXISTS recorder_name, DROP COLUMN IF EXISTS recorder_post, DROP COLUMN IF EXISTS trigger_text,
    DROP COLUMN IF EXISTS points, DROP COLUMN IF EXISTS response, DROP COLUMN IF EXISTS recorded_by,
    DROP COLUMN IF EXISTS updated_at;
