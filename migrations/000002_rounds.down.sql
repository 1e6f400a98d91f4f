DROP TABLE IF EXISTS talks, round_results, ballots, ballot_codes, report_files,
    round_subjects, round_categories, round_groups, rounds;
