package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// LoadTalks gives the demo township what follows a result (issue 11), unless it has it
// already: a 2025 mid-year round, closed and published, in which one subject admonished in
// 2024 is admonished again (so an admonishment document is issued); the 2024 talks
// recorded with their points and pledges; one rectification item overdue and one 诫勉
// follow-up due, both on the home page; and the mid-year talks past the office's deadline.
// The published rounds are dated back so that the talk dates read true.
func LoadTalks(ctx context.Context, st *store.Store) (bool, error) {
	town, err := st.TownshipByName(ctx, Township)
	if err != nil {
		return false, err
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil {
		return false, err
	}
	var y2024 *store.Round
	for i, r := range rounds {
		if r.Kind == "mid_year" && r.Year == 2025 {
			return false, nil // loaded already
		}
		if r.Year == 2024 && r.Status == store.StatusPublished {
			y2024 = &rounds[i]
		}
	}
	if y2024 == nil {
		return false, nil // no history to follow up (LoadRounds did not run)
	}
	today := store.Today()
	ago := func(days int) time.Time { return today.AddDate(0, 0, -days) }
	pool := st.Pool()
	// The 2024 round closed in January of the next year.
	if _, err := pool.Exec(ctx, `UPDATE rounds SET closed_at = $2, published_at = $3 WHERE township_id = $1 AND id = $4`,
		town.ID, ago(320), ago(318), y2024.ID); err != nil {
		return false, err
	}
	res2024, err := st.Results(ctx, town.ID, y2024.ID)
	if err != nil {
		return false, err
	}
	var admonished []store.SubjectResult
	for _, r := range res2024 {
		if r.Outcome == "admonishment" {
			admonished = append(admonished, r)
		}
	}
	if len(admonished) == 0 {
		return false, fmt.Errorf("demo: the 2024 round has no admonishment to follow up")
	}
	again := admonished[0] // admonished in both rounds: a document
	sameSubject := func(s store.RoundSubject) bool {
		return (s.PersonID != nil && again.PersonID != nil && *s.PersonID == *again.PersonID) ||
			(s.OrganisationID != nil && again.OrganisationID != nil && *s.OrganisationID == *again.OrganisationID)
	}

	// The 2024 talks, recorded about ten months ago.
	talks, err := st.Talks(ctx, town.ID, store.TalkPending)
	if err != nil {
		return false, err
	}
	var admonish2024 []store.Talk
	var reminder2024 *store.Talk
	for i, t := range talks {
		if t.RoundID == nil || *t.RoundID != y2024.ID {
			continue
		}
		held := ago(300)
		rec := demoRecord(t, held)
		if err := st.SaveTalkRecord(ctx, town.ID, t.ID, 0, rec); err != nil {
			return false, err
		}
		if t.Kind == store.TalkAdmonishment {
			admonish2024 = append(admonish2024, t)
		} else if reminder2024 == nil {
			reminder2024 = &talks[i]
		}
	}
	// Every written pledge came in on time.
	items, err := st.Rectifications(ctx, town.ID, today, store.RectificationFilter{})
	if err != nil {
		return false, err
	}
	for _, x := range items {
		if err := st.CompleteRectification(ctx, town.ID, x.TalkID, x.ID, x.DueOn.AddDate(0, 0, -2), "已按期提交书面整改承诺,存组织办。", nil); err != nil {
			return false, err
		}
	}
	// One village cadre still owes an item: overdue, on the home page.
	if reminder2024 != nil {
		if _, err := st.AddRectification(ctx, town.ID, reminder2024.ID, "村务公开栏按月公开征地补偿款兑现情况,补齐 2024 年下半年台账", ago(12)); err != nil {
			return false, err
		}
	}
	// The 2024 periods have ended: the twice-admonished subject's was extended; the next
	// one waits for its follow-up (on the home page).
	followupLeft := false
	for _, t := range admonish2024 {
		ps, err := st.Periods(ctx, town.ID, today, store.ConsequenceFilter{TalkID: t.ID})
		if err != nil || len(ps) == 0 {
			return false, err
		}
		switch {
		case t.RoundSubjectID != nil && *t.RoundSubjectID == again.ID:
			if err := st.RecordFollowup(ctx, town.ID, t.ID, ps[0].ID, store.FollowupInput{HeldOn: ago(110), HeldBy: "周敏",
				Findings: "征地补偿兑现仍有拖延,群众意见未见明显减少", Decision: "extend", ExtendMonths: 3}); err != nil {
				return false, err
			}
		case followupLeft:
			if err := st.RecordFollowup(ctx, town.ID, t.ID, ps[0].ID, store.FollowupInput{HeldOn: ago(112), HeldBy: "周敏",
				Findings: "书面检查已提交,整改事项按期完成,群众反映良好", Decision: "lift"}); err != nil {
				return false, err
			}
		default:
			followupLeft = true // this one waits for its follow-up
		}
	}

	// 2025 mid-year: the same subject is admonished again; a few draw reminders.
	midID, err := RunRound(ctx, st, town.ID, RoundSpec{Title: "2025 年中述职评议", Year: 2025, Kind: "mid_year", People: true, Organisations: true, Seed: 2025,
		Vote: func(rng *rand.Rand, k int, s store.RoundSubject) int {
			switch {
			case sameSubject(s):
				return vote(rng, 5) // admonishment territory
			case k%23 == 3: // a reminder: about 86 % satisfied
				switch x := rng.IntN(100); {
				case x < 60:
					return 1
				case x < 86:
					return 2
				case x < 97:
					return 3
				case x < 99:
					return 4
				}
				return 5
			}
			return vote(rng, 0)
		}})
	if err != nil {
		return false, fmt.Errorf("demo: 2025 mid-year round: %w", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE rounds SET closed_at = $2, published_at = $3 WHERE township_id = $1 AND id = $4`,
		town.ID, ago(40), ago(38), midID); err != nil {
		return false, err
	}
	if err := st.EnsureConsequences(ctx, town.ID); err != nil {
		return false, err
	}
	talks, err = st.Talks(ctx, town.ID, store.TalkPending)
	if err != nil {
		return false, err
	}
	for _, t := range talks {
		if t.RoundID == nil || *t.RoundID != midID || !t.Document {
			continue
		}
		// The second admonishment: talk held, document redrafted from the record and issued.
		if err := st.SaveTalkRecord(ctx, town.ID, t.ID, 0, demoRecord(t, ago(30))); err != nil {
			return false, err
		}
		pledges, err := st.Rectifications(ctx, town.ID, today, store.RectificationFilter{TalkID: t.ID})
		if err != nil {
			return false, err
		}
		for _, x := range pledges {
			if err := st.CompleteRectification(ctx, town.ID, t.ID, x.ID, ago(25), "已提交书面检查,承诺三个月内完成征地补偿兑现。", nil); err != nil {
				return false, err
			}
		}
		docs, err := st.Documents(ctx, town.ID, store.ConsequenceFilter{TalkID: t.ID})
		if err != nil || len(docs) != 1 {
			return false, fmt.Errorf("demo: document for talk %d: %v", t.ID, err)
		}
		if err := st.RedraftDocument(ctx, town.ID, docs[0].ID); err != nil {
			return false, err
		}
		if err := st.IssueDocument(ctx, town.ID, docs[0].ID, ago(26), "陈建国"); err != nil {
			return false, err
		}
		if _, err := st.AddRectification(ctx, town.ID, t.ID, "三个月内完成河口片区征地补偿款兑现,逐户公示到位", today.AddDate(0, 2, 0)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// demoRecord is a plausible talk record held on the given day.
func demoRecord(t store.Talk, held time.Time) store.TalkRecord {
	planned := held.AddDate(0, 0, -3)
	rec := store.TalkRecord{PlannedOn: &planned, HeldOn: &held, Place: "乡党委会议室", Talker: "陈建国", TalkerPost: "党委书记",
		Recorder: "周敏", RecorderPost: "党委委员、组织委员"}
	if t.Kind == store.TalkAdmonishment {
		rec.Points = "通报述职评议结果,指出群众反映的主要问题:征地补偿兑现不及时,服务群众不够主动,工作作风不够扎实。要求对照群众意见深刻反思,限期整改。"
		rec.Response = "诚恳接受组织诫勉,认真查找不足,按期提交书面检查,逐项整改到位。"
	} else {
		rec.Points = "通报述职评议结果,提醒在联系群众、落实承诺事项上下功夫,防止小问题变成大问题。"
		rec.Response = "接受组织提醒,一周内提交整改承诺。"
	}
	return rec
}

// RoundSpec is a round for RunRound.
type RoundSpec struct {
	Title         string
	Year          int
	Kind          string // year_end, mid_year, special
	Levels        []int  // subjects of these levels; nil: all four
	People        bool
	Organisations bool
	Seed          uint64
	// Rand draws the ballots; nil: a generator seeded with Seed.
	Rand       *rand.Rand
	MaxBallots int // 0: one ballot per issued code, less those who stay away (Attend)
	// Attend says whether the i-th issued code (in slip order) is used; nil: every tenth
	// rater stays away (none when MaxBallots is set).
	Attend func(rng *rand.Rand, i int, slip store.Slip) bool
	// Vote gives a ballot's choice (1–4, 5 abstains) for the k-th subject.
	Vote func(rng *rand.Rand, k int, s store.RoundSubject) int
	// VoteAs, when set, is used instead of Vote: it also knows who votes.
	VoteAs func(rng *rand.Rand, v Voter, k int, s store.RoundSubject) int
	// RateCriteria, when set, fills in each ballot's 三争创 criteria ratings once its
	// choices are made (the round's Criteria setting must ask for them).
	RateCriteria func(marks []ballotbox.Mark)
	// Criteria is the round's 三争创 criteria setting ("" none).
	Criteria string
	// Filed says whether a subject's report is filed; nil: every subject's.
	Filed func(s store.RoundSubject) bool
	// By is the office member who opens, counts and publishes (周敏 when empty); Contact is
	// where the 公示 takes objections (小漩乡's office when empty).
	By, Contact string
	// Published, when set, dates the round's history back to a 公示 on that day: set up
	// three weeks before, voted and counted in the days before (the demo's history).
	Published time.Time
}

// Voter is who fills in a ballot for RoundSpec.VoteAs: the rater group the code votes in
// (store.GroupPeer, store.GroupPublic) and how many ballots of that group came before.
type Voter struct {
	Group  string
	Before int
}

// RunRound runs one whole round through the store's public API: set up, reports filed,
// codes issued to every rater, ballots cast, closed and published. It is the one place
// the demo (LoadRounds, LoadTalks, LoadCounty) and the talk tests make rounds, so a change
// to the voting API is adapted here only.
func RunRound(ctx context.Context, st *store.Store, townID int64, spec RoundSpec) (int64, error) {
	id, subs, err := setUpRound(ctx, st, townID, spec)
	if err != nil {
		return 0, err
	}
	by := spec.By
	if by == "" {
		by = Accounts[0].Name
	}
	shares, err := voting.OpenRound(ctx, st, townID, id, by)
	if err != nil {
		return 0, err
	}
	slips, err := st.Slips(ctx, townID, id, 0)
	if err != nil {
		return 0, err
	}
	rng := spec.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(spec.Seed, 7))
	}
	cast := 0
	before := map[string]int{}
	for i, slip := range slips {
		if spec.MaxBallots > 0 && cast == spec.MaxBallots {
			break
		}
		if spec.Attend != nil && !spec.Attend(rng, i, slip) || spec.Attend == nil && spec.MaxBallots == 0 && i%10 == 9 {
			continue
		}
		ci, err := st.Code(ctx, slip.Code)
		if err != nil {
			return 0, err
		}
		marks := make([]ballotbox.Mark, len(subs))
		for k, s := range subs {
			var choice int
			if spec.VoteAs != nil {
				choice = spec.VoteAs(rng, Voter{Group: ci.GroupKey, Before: before[ci.GroupKey]}, k, s)
			} else {
				choice = spec.Vote(rng, k, s)
			}
			marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(choice)}
		}
		if spec.RateCriteria != nil {
			spec.RateCriteria(marks)
		}
		before[ci.GroupKey]++
		if _, err := voting.Cast(ctx, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			return 0, fmt.Errorf("demo: cast: %w", err)
		}
		cast++
	}
	if err := st.EndVoting(ctx, townID, id); err != nil {
		return 0, err
	}
	round, err := st.Round(ctx, townID, id)
	if err != nil {
		return 0, err
	}
	if err := voting.OpenBox(ctx, st, round, shares[:2], by); err != nil {
		return 0, fmt.Errorf("demo: open box: %w", err)
	}
	from := time.Date(spec.Year, 7, 1, 0, 0, 0, 0, time.Local)
	if spec.Kind == "year_end" {
		from = time.Date(spec.Year+1, 1, 10, 0, 0, 0, 0, time.Local)
	}
	if !spec.Published.IsZero() {
		from = store.LocalDay(spec.Published)
	}
	contact := spec.Contact
	if contact == "" {
		contact = "乡党委组织办,电话 0719-6521234"
	}
	if _, err := st.PublishRound(ctx, townID, id, store.Publication{From: from, To: from.AddDate(0, 0, 7), Contact: contact}, by); err != nil {
		return 0, err
	}
	if !spec.Published.IsZero() {
		if err := backdateRound(ctx, st, townID, id, spec.Published); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// setUpRound makes a round of the spec: created with the demo's policy, reports filed
// (those Filed allows) and a code issued to every rater. It returns the round and its subjects.
func setUpRound(ctx context.Context, st *store.Store, townID int64, spec RoundSpec) (int64, []store.RoundSubject, error) {
	cats, err := st.RaterCategories(ctx, townID)
	if err != nil {
		return 0, nil, err
	}
	groups := map[int64]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
	}
	levels := spec.Levels
	if levels == nil {
		levels = []int{1, 2, 3, 4}
	}
	id, err := st.CreateRound(ctx, townID, store.RoundInput{Title: spec.Title, Year: spec.Year, Kind: spec.Kind,
		Groups: store.DefaultGroups(), Categories: groups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: Scrutineers, KeyThreshold: 2,
		Levels: levels, People: spec.People, Organisations: spec.Organisations, Criteria: spec.Criteria})
	if err != nil {
		return 0, nil, err
	}
	subs, err := st.RoundSubjects(ctx, townID, id)
	if err != nil {
		return 0, nil, err
	}
	for _, s := range subs {
		if spec.Filed != nil && !spec.Filed(s) {
			continue
		}
		if err := st.SaveReport(ctx, townID, s.ID, store.ReportInput{Text: report(s, spec.Year)}); err != nil {
			return 0, nil, err
		}
	}
	for _, c := range cats {
		if c.RaterCount > 0 {
			if err := st.GenerateCodes(ctx, townID, id, c.ID, c.RaterCount); err != nil {
				return 0, nil, err
			}
		}
	}
	return id, subs, nil
}

// backdateRound gives a published round the history of a 公示 on the given day: set up
// three weeks before, reports in, voting opened two days before, closed and counted the
// day before, with its events and talk tasks dated to match. Only the demo does this.
func backdateRound(ctx context.Context, st *store.Store, townID, id int64, published time.Time) error {
	opened := published.AddDate(0, 0, -2)
	counted := published.AddDate(0, 0, -1)
	created := published.AddDate(0, 0, -21)
	pool := st.Pool()
	if _, err := pool.Exec(ctx, `
		UPDATE rounds SET created_at = $3, keyed_at = $4, opened_at = $4, closed_at = $5::timestamptz, counted_at = $5::timestamptz + interval '1 hour', published_at = $6
		WHERE township_id = $1 AND id = $2`, townID, id, created, opened, counted, published); err != nil {
		return fmt.Errorf("demo: backdate round: %w", err)
	}
	if _, err := pool.Exec(ctx, `
		UPDATE round_events SET at = CASE kind WHEN 'keyed' THEN $3::timestamptz WHEN 'opened' THEN $4::timestamptz + interval '1 hour' ELSE $5::timestamptz END
		WHERE township_id = $1 AND round_id = $2`, townID, id, opened, counted, published); err != nil {
		return fmt.Errorf("demo: backdate round events: %w", err)
	}
	if _, err := pool.Exec(ctx, `
		UPDATE round_subjects SET report_updated_at = $3 WHERE township_id = $1 AND round_id = $2 AND report_updated_at IS NOT NULL`,
		townID, id, created.AddDate(0, 0, 7)); err != nil {
		return fmt.Errorf("demo: backdate reports: %w", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE talks SET created_at = $3 WHERE township_id = $1 AND round_id = $2`,
		townID, id, counted.Add(time.Hour)); err != nil {
		return fmt.Errorf("demo: backdate talks: %w", err)
	}
	return nil
}
