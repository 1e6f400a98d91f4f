-- From result to consequence (issue 11): the talk record (谈话记录), rectification (整改),
-- the 诫勉 period with its follow-up (回访), admonishment documents (诫勉文件) and
-- referrals for organisational handling (组织处理). method.md §5.
-- Rows of `talks` written by a round's close keep working: every new column has a default.

-- Each township's settings for consequences. A missing row means the defaults.
CREATE TABLE talk_settings (
    township_id        bigint PRIMARY KEY REFERENCES townships,
    talk_deadline_days int NOT NULL DEFAULT 15 CHECK (talk_deadline_days BETWEEN 1 AND 365), -- talks held within N days of 公示
    pledge_days        int NOT NULL DEFAULT 7 CHECK (pledge_days BETWEEN 1 AND 365),          -- 书面检查 / 整改承诺 due N days after the talk
    admonish_months    int NOT NULL DEFAULT 6 CHECK (admonish_months BETWEEN 1 AND 36),       -- 诫勉期
    doc_prefix         text NOT NULL DEFAULT '',  -- 文号 prefix, e.g. 小漩组; '' derives it from the township's name
    doc_issuer         text NOT NULL DEFAULT ''   -- 发文机关, e.g. 中共小漩乡委员会; '' derives it
);

ALTER TABLE talks
    ADD COLUMN planned_on    date,
    ADD COLUMN place         text NOT NULL DEFAULT '',
    ADD COLUMN talker_post   text NOT NULL DEFAULT '',   -- held_by is the talker's name
    ADD COLUMN recorder_name text NOT NULL DEFAULT '',
    ADD COLUMN recorder_post text NOT NULL DEFAULT '',
    ADD COLUMN trigger_text  text NOT NULL DEFAULT '',   -- a hand-recorded talk's reason in words
    ADD COLUMN points        text NOT NULL DEFAULT '',   -- 谈话要点
    ADD COLUMN response      text NOT NULL DEFAULT '',   -- 本人表态
    ADD COLUMN recorded_by   bigint,                     -- the account that first recorded it as held
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT talks_township_id_id_key UNIQUE (township_id, id),
    ADD CONSTRAINT talks_recorded_by_fkey FOREIGN KEY (township_id, recorded_by) REFERENCES users (township_id, id);
CREATE INDEX talks_person_idx ON talks (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX talks_org_idx ON talks (organisation_id) WHERE organisation_id IS NOT NULL;

-- Rectification items (整改事项). kind pledge is the written self-examination or
-- rectification pledge (书面检查 / 整改承诺) every held talk gets by default.
-- Overdue is not stored: an open item whose deadline has passed.
CREATE TABLE rectifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL,
    talk_id     bigint NOT NULL,
    kind        text NOT NULL DEFAULT 'item' CHECK (kind IN ('pledge','item')),
    content     text NOT NULL CHECK (btrim(content) <> ''),
    due_on      date NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
    done_on     date,
    evidence    text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, talk_id) REFERENCES talks (township_id, id) ON DELETE CASCADE,
    CHECK ((status = 'done') = (done_on IS NOT NULL))
);
CREATE UNIQUE INDEX rectifications_one_pledge ON rectifications (talk_id) WHERE kind = 'pledge';
CREATE INDEX rectifications_talk_idx ON rectifications (talk_id, due_on);
CREATE INDEX rectifications_open_idx ON rectifications (township_id, due_on) WHERE status = 'open';

-- The 诫勉 period an admonishment talk starts; at its end a follow-up (回访) is due.
-- Extending moves ends_on; lifting or escalating closes it.
CREATE TABLE admonishment_periods (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL,
    talk_id     bigint NOT NULL UNIQUE,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL CHECK (ends_on > starts_on),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active','lifted','escalated')),
    closed_on   date,
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, talk_id) REFERENCES talks (township_id, id) ON DELETE CASCADE,
    CHECK ((status = 'active') = (closed_on IS NULL))
);

CREATE TABLE period_followups (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id   bigint NOT NULL,
    period_id     bigint NOT NULL,
    held_on       date NOT NULL,
    findings      text NOT NULL CHECK (btrim(findings) <> ''),
    decision      text NOT NULL CHECK (decision IN ('lift','extend','escalate')),
    extend_months int CHECK ((decision = 'extend') = (extend_months IS NOT NULL)),
    held_by       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, period_id) REFERENCES admonishment_periods (township_id, id) ON DELETE CASCADE
);
CREATE INDEX period_followups_period_idx ON period_followups (period_id, held_on);

-- Admonishment documents (诫勉文件): one per talk whose round outcome calls for one.
-- The number (文号) is given when the document is issued, counted per township and year.
CREATE TABLE admonishment_documents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL,
    talk_id     bigint NOT NULL UNIQUE,
    title       text NOT NULL CHECK (btrim(title) <> ''),
    addressee   text NOT NULL DEFAULT '',
    body        text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','issued')),
    prefix      text NOT NULL DEFAULT '',
    doc_year    int,
    doc_number  int CHECK (doc_number >= 1),
    issued_on   date,
    issued_by   text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    UNIQUE (township_id, doc_year, doc_number),
    FOREIGN KEY (township_id, talk_id) REFERENCES talks (township_id, id) ON DELETE CASCADE,
    CHECK ((status = 'issued') = (doc_number IS NOT NULL AND doc_year IS NOT NULL AND issued_on IS NOT NULL))
);

-- The last 文号 given per township and year.
CREATE TABLE document_counters (
    township_id bigint NOT NULL REFERENCES townships,
    year        int NOT NULL,
    last        int NOT NULL,
    PRIMARY KEY (township_id, year)
);

-- Referrals for organisational handling (组织处理): from a round (连续两次实行诫勉) or from
-- a follow-up that escalates. bodies: party_committee 乡党委, county_org 县委组织部,
-- discipline 纪检监察机关.
CREATE TABLE referrals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL,
    talk_id     bigint NOT NULL,
    source      text NOT NULL CHECK (source IN ('round','followup')),
    bodies      text[] NOT NULL DEFAULT '{}' CHECK (bodies <@ ARRAY['party_committee','county_org','discipline']),
    reason      text NOT NULL DEFAULT '',
    sent_on     date,
    result      text NOT NULL DEFAULT '',
    result_on   date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    UNIQUE (talk_id, source),
    FOREIGN KEY (township_id, talk_id) REFERENCES talks (township_id, id) ON DELETE CASCADE,
    CHECK (result_on IS NULL OR sent_on IS NOT NULL)
);

-- Attachments: a talk's signed record, a rectification item's evidence, a referral's documents.
CREATE TABLE talk_files (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id      bigint NOT NULL,
    talk_id          bigint NOT NULL,
    rectification_id bigint,
    referral_id      bigint,
    file_name        text NOT NULL,
    content_type     text NOT NULL,
    size             int NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    data             bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, talk_id) REFERENCES talks (township_id, id) ON DELETE CASCADE,
    FOREIGN KEY (township_id, rectification_id) REFERENCES rectifications (township_id, id) ON DELETE CASCADE,
    FOREIGN KEY (township_id, referral_id) REFERENCES referrals (township_id, id) ON DELETE CASCADE,
    CHECK (rectification_id IS NULL OR referral_id IS NULL)
);
CREATE INDEX talk_files_talk_idx ON talk_files (talk_id);
