DROP TABLE IF EXISTS talks, round_results, ballot_choices, ballots, ballot_codes, report_files,
    round_subjects, round_categories, round_groups, rounds;
