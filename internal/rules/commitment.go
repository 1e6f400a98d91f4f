package rules

import (
	"math/big"
	"time"
)

// Commitments (双承诺: a village Party branch's annual commitment to the township Party
// committee, and the committee's to the residents): how far each item of a commitment
// is done, and whether it is on schedule, on a day the caller names. Like the rest of the package it
// has no clock: the day is always a parameter.

// ItemStatus is a commitment item's state on a given day (践诺情况).
type ItemStatus string

// The four states, from best to worst but for done.
const (
	ItemDone    ItemStatus = "done"     // 已完成: 100% done
	ItemOnTrack ItemStatus = "on_track" // 正常推进
	ItemAtRisk  ItemStatus = "at_risk"  // 进度滞后: time gone exceeds work done by AtRiskLagPct points or more
	ItemOverdue ItemStatus = "overdue"  // 已逾期: past its deadline and not done
)

// Label is the status in Chinese.
func (s ItemStatus) Label() string {
	switch s {
	case ItemDone:
		return "已完成"
	case ItemOnTrack:
		return "正常推进"
	case ItemAtRisk:
		return "进度滞后"
	case ItemOverdue:
		return "已逾期"
	}
	return string(s)
}

// severity orders the states for a parent item: the worst sub-item state shows.
func (s ItemStatus) severity() int {
	switch s {
	case ItemOnTrack:
		return 1
	case ItemAtRisk:
		return 2
	case ItemOverdue:
		return 3
	}
	return 0
}

// AtRiskLagPct is the schedule lag that makes an item at risk: the share of the time
// from its start to its deadline already gone, less the share of the work done, in
// percentage points (inclusive: a lag of exactly 25 points is at risk).
const AtRiskLagPct = 25

// Entry is one progress report (践诺记录): the day it describes and how far the item was
// done then, in whole percent.
type Entry struct {
	Day     time.Time
	Percent int
}

// Item is one commitment item as the assessment needs it.
type Item struct {
	ID     int64
	Parent int64 // 0 for a top-level item
	// Start is when the item took effect (its commitment's approval); Deadline is its
	// completion date (完成时限). Only the calendar day of each counts.
	Start, Deadline time.Time
	// Weight is a sub-item's weight in its parent's progress; 0 means none.
	Weight int
	// Entries are the item's progress reports in the order they were made. A parent's
	// own entries are ignored: its progress comes from its sub-items.
	Entries []Entry
}

// ItemState is an item's progress and status on one day.
type ItemState struct {
	// Progress is the share done, an exact fraction in [0, 1].
	Progress *big.Rat
	Status   ItemStatus
	// Weighted says a parent's progress is weighted by its sub-items' weights (every
	// sub-item has one); otherwise it is their plain average. False for a leaf.
	Weighted bool
	// Children is the number of sub-items (0 for a leaf).
	Children int
	// LastUpdate is the day of the latest entry counted; zero when there is none.
	LastUpdate time.Time
}

// Assess gives every item's state on day on. A leaf's progress is its latest entry on or
// before that day (entries dated later are not yet known); a parent's progress is the
// weighted average of its sub-items' progress when every sub-item has a weight, their
// plain average otherwise. An item is done at 100%; overdue when past its deadline and
// not done; at risk when the share of its time gone exceeds the share done by
// AtRiskLagPct points or more; on track otherwise. A parent is shown at its sub-items'
// worst state when that is worse than its own. Items are one level deep: a sub-item's
// sub-items are not looked at.
func Assess(items []Item, on time.Time) map[int64]ItemState {
	out := make(map[int64]ItemState, len(items))
	children := map[int64][]Item{}
	for _, it := range items {
		if it.Parent != 0 {
			children[it.Parent] = append(children[it.Parent], it)
		}
	}
	for _, it := range items {
		if len(children[it.ID]) == 0 {
			out[it.ID] = assessLeaf(it, on)
		}
	}
	for _, it := range items {
		subs := children[it.ID]
		if len(subs) == 0 {
			continue
		}
		weighted := true
		var wsum int64
		for _, c := range subs {
			if c.Weight <= 0 {
				weighted = false
			}
			wsum += int64(c.Weight)
		}
		progress := new(big.Rat)
		worst := ItemDone
		var last time.Time
		for _, c := range subs {
			st := out[c.ID]
			if weighted {
				progress.Add(progress, new(big.Rat).Mul(st.Progress, big.NewRat(int64(c.Weight), wsum)))
			} else {
				progress.Add(progress, new(big.Rat).Mul(st.Progress, big.NewRat(1, int64(len(subs)))))
			}
			if st.Status.severity() > worst.severity() {
				worst = st.Status
			}
			if st.LastUpdate.After(last) {
				last = st.LastUpdate
			}
		}
		status := scheduleStatus(it.Start, it.Deadline, on, progress)
		if worst.severity() > status.severity() {
			status = worst
		}
		out[it.ID] = ItemState{Progress: progress, Status: status, Weighted: weighted, Children: len(subs), LastUpdate: last}
	}
	return out
}

func assessLeaf(it Item, on time.Time) ItemState {
	today := dayNumber(on)
	pct, found := 0, false
	var last time.Time
	for _, e := range it.Entries {
		d := dayNumber(e.Day)
		if d > today {
			continue
		}
		// The latest day wins; of entries on one day, the last made.
		if !found || d >= dayNumber(last) {
			pct, last, found = e.Percent, e.Day, true
		}
	}
	pct = min(max(pct, 0), 100)
	progress := big.NewRat(int64(pct), 100)
	return ItemState{Progress: progress, Status: scheduleStatus(it.Start, it.Deadline, on, progress), LastUpdate: last}
}

// scheduleStatus is the status of work done by day on against the time from start to
// deadline.
func scheduleStatus(start, deadline, on time.Time, progress *big.Rat) ItemStatus {
	if progress.Cmp(big.NewRat(1, 1)) >= 0 {
		return ItemDone
	}
	s, d, t := dayNumber(start), dayNumber(deadline), dayNumber(on)
	if t > d {
		return ItemOverdue
	}
	total := d - s
	elapsed := min(max(t-s, 0), max(total, 0))
	var gone *big.Rat
	switch {
	case total <= 0 && t >= d:
		gone = big.NewRat(1, 1)
	case total <= 0:
		gone = new(big.Rat)
	default:
		gone = big.NewRat(elapsed, total)
	}
	lag := new(big.Rat).Sub(gone, progress)
	if lag.Cmp(big.NewRat(AtRiskLagPct, 100)) >= 0 {
		return ItemAtRisk
	}
	return ItemOnTrack
}

// DueInMonth reports whether an item not yet done falls due later in the month of day
// on (本月到期): its deadline is in that month and not before that day.
func DueInMonth(deadline time.Time, status ItemStatus, on time.Time) bool {
	if status == ItemDone || status == ItemOverdue {
		return false
	}
	return deadline.Year() == on.Year() && deadline.Month() == on.Month() && dayNumber(deadline) >= dayNumber(on)
}

// Fulfilment is a commitment's fulfilment (兑现情况): how many of its top-level items are
// done out of how many. Sub-items count through their parent.
type Fulfilment struct {
	Done, Total int
}

// Rate is Done/Total exactly (承诺兑现率); nil when the commitment has no item.
func (f Fulfilment) Rate() *big.Rat {
	if f.Total == 0 {
		return nil
	}
	return big.NewRat(int64(f.Done), int64(f.Total))
}

// FulfilmentOf counts the top-level items done in the assessed states.
func FulfilmentOf(items []Item, states map[int64]ItemState) Fulfilment {
	var f Fulfilment
	for _, it := range items {
		if it.Parent != 0 {
			continue
		}
		f.Total++
		if states[it.ID].Status == ItemDone {
			f.Done++
		}
	}
	return f
}

// Quarter is the calendar quarter (1–4) of a day.
func Quarter(day time.Time) int { return (int(day.Month())-1)/3 + 1 }

// dayNumber counts calendar days, so that only the date of t matters, in t's own zone.
func dayNumber(t time.Time) int64 {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}
