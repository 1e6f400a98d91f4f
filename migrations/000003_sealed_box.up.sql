-- The sealed ballot box (密封票箱): ballots are sealed with the round's public key as they
-- arrive and opened only when k of the round's scrutineers (监票人) bring their key shares.

-- Ballots stored in clear by earlier versions cannot be sealed after the fact. A round
-- still open would lose its votes, so the upgrade waits until no round is open.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM rounds WHERE status = 'open') THEN
        RAISE EXCEPTION '仍有正在投票的评议:请先结束投票并计票,再升级';
    END IF;
END $$;

ALTER TABLE rounds DROP CONSTRAINT rounds_status_check;
-- counting: voting has ended and the box waits for the scrutineers (待开箱).
ALTER TABLE rounds ADD CONSTRAINT rounds_status_check
    CHECK (status IN ('draft','open','counting','closed','published'));
ALTER TABLE rounds
    -- k: how many scrutineers' shares open the box (the sharing is k of n).
    ADD COLUMN key_threshold   smallint NOT NULL DEFAULT 2 CHECK (key_threshold BETWEEN 1 AND 9),
    -- The round's HPKE public key and the Feldman commitments that let a share be checked.
    -- The private key and the shares are never stored.
    ADD COLUMN key_public      bytea,
    ADD COLUMN key_commitments bytea[],
    ADD COLUMN keyed_at        timestamptz,
    -- Shares checked so far in the opening under way: the projector shows it.
    ADD COLUMN box_progress    smallint NOT NULL DEFAULT 0,
    ADD COLUMN counted_at      timestamptz,
    ADD COLUMN ballots_destroyed_at timestamptz;

-- Scrutineers named on a round; position is the number of the key share each holds.
CREATE TABLE round_scrutineers (
    round_id    bigint NOT NULL,
    township_id bigint NOT NULL,
    position    smallint NOT NULL CHECK (position BETWEEN 1 AND 9),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    PRIMARY KEY (round_id, position),
    FOREIGN KEY (township_id, round_id) REFERENCES rounds (township_id, id) ON DELETE CASCADE
);

-- A sealed ballot: its receipt (public, for the rater to check it was counted), the hash
-- of the submission token that lets a retried submission get the same receipt, and the
-- HPKE encapsulated key and ciphertext of the choices and the rater's category. Nothing in
-- clear says who cast it or what it says. Spending the code and storing the ballot happen
-- in one transaction. Destroying a counted box clears enc and sealed and keeps receipts.
DROP TABLE ballots;
CREATE TABLE ballots (
    round_id    bigint NOT NULL,
    township_id bigint NOT NULL,
    receipt     text NOT NULL,
    token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
    enc         bytea,
    sealed      bytea,
    PRIMARY KEY (round_id, receipt),
    UNIQUE (round_id, token_hash),
    FOREIGN KEY (township_id, round_id) REFERENCES rounds (township_id, id) ON DELETE CASCADE
);

-- Per category, what the opened box held: ballots, valid votes and abstentions.
CREATE TABLE round_category_counts (
    round_id    bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
    category_id bigint NOT NULL,
    ballots     int NOT NULL,
    valid       int NOT NULL,
    abstained   int NOT NULL,
    PRIMARY KEY (round_id, category_id)
);

-- What happened to a round after set-up: its box keyed, rekeyed, opened, recounted,
-- destroyed; its results published and withdrawn (with the reason).
CREATE TABLE round_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id    bigint NOT NULL,
    township_id bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('keyed','rekeyed','opened','recount_match','recount_mismatch','destroyed',
                                              'published','withdrawn')),
    by_user     text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, round_id) REFERENCES rounds (township_id, id) ON DELETE CASCADE
);
CREATE INDEX round_events_round_idx ON round_events (round_id, id);

-- 公示: the period and where to raise an objection, set when publishing; the township
-- keeps its usual contact for the next time.
ALTER TABLE rounds
    ADD COLUMN publish_from      date,
    ADD COLUMN publish_to        date,
    ADD COLUMN objection_contact text NOT NULL DEFAULT '';
ALTER TABLE townships ADD COLUMN objection_contact text NOT NULL DEFAULT '';

-- Codes the office voided (作废) before use.
ALTER TABLE ballot_codes ADD COLUMN void boolean NOT NULL DEFAULT false;

-- Failed ballot-code lookups per client address: they slow that address's next failures
-- (never its valid codes) and are shown to the office.
CREATE TABLE code_failures (
    addr text NOT NULL,
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_failures_addr_at_idx ON code_failures (addr, at);
CREATE INDEX code_failures_at_idx ON code_failures (at);
