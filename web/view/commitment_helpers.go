package view

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// CommitmentAccess is what the signed-in account may do with a commitment.
type CommitmentAccess struct {
	Edit    bool // file, change drafts, submit, revise, record progress, self-evaluate
	Review  bool // return, approve, publish, choose comments for publication (office)
	Comment bool // leaders' commentary (领导点评)
}

// CommitmentSummary counts a commitment's top-level items by state on a day.
type CommitmentSummary struct {
	Total, Done, OnTrack, AtRisk, Overdue int
	Fulfilment                            rules.Fulfilment
	Photos                                int
	LastUpdate                            time.Time
}

// ItemView is an item with what the page shows of it: its state (nil while not in
// force), its progress reports (newest first), its self-evaluation and its sub-items.
type ItemView struct {
	Item    store.CommitmentItem
	State   *rules.ItemState
	Entries []store.CommitmentEntry
	Self    *store.SelfEvaluation
	Subs    []ItemView
	// Change marks the item against the version before: "新增" or "已修改"; "" if the same.
	Change string
}

// Leaf reports whether progress is recorded on the item itself.
func (iv ItemView) Leaf() bool { return len(iv.Subs) == 0 }

// pctText shows an exact share as a percentage: "66.67%", "100%".
func pctText(x *big.Rat) string {
	if x == nil {
		return "—"
	}
	return strings.TrimSuffix(rules.Percent(x), ".00") + "%"
}

// pctValue is the whole percent below a share, for a <progress> bar.
func ratPercent(x *big.Rat) string {
	if x == nil {
		return "0"
	}
	n := new(big.Int).Mul(x.Num(), big.NewInt(100))
	return n.Quo(n, x.Denom()).String()
}

func statePct(st *rules.ItemState) string {
	if st == nil {
		return "—"
	}
	return pctText(st.Progress)
}

func stateValue(st *rules.ItemState) string {
	if st == nil {
		return "0"
	}
	return ratPercent(st.Progress)
}

func itemStatusClass(s rules.ItemStatus) string {
	switch s {
	case rules.ItemDone:
		return "badge ok"
	case rules.ItemOnTrack:
		return "badge info"
	case rules.ItemAtRisk:
		return "badge warn"
	case rules.ItemOverdue:
		return "badge bad"
	}
	return "badge"
}

func versionClass(status string) string {
	switch status {
	case store.CommitmentPublished:
		return "badge ok"
	case store.CommitmentApproved:
		return "badge info"
	case store.CommitmentSubmitted:
		return "badge warn"
	case store.CommitmentReturned:
		return "badge bad"
	}
	return "badge"
}

func fulfilmentText(f rules.Fulfilment) string {
	if f.Total == 0 {
		return "—"
	}
	return fmt.Sprintf("%d/%d(%s)", f.Done, f.Total, pctText(f.Rate()))
}

func dayPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return store.LocalDay(*t).Format("2006-01-02")
}

func cnDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

func localTime(t time.Time) string { return t.In(store.Beijing).Format("2006-01-02 15:04") }

var quarterNames = [...]string{"", "一", "二", "三", "四"}

func quarterLabel(year, q int) string {
	if q < 1 || q > 4 {
		return strconv.Itoa(year) + " 年"
	}
	return fmt.Sprintf("%d 年第%s季度", year, quarterNames[q])
}

// quarterName is "第四季度" for 4.
func quarterName(q int) string {
	if q < 1 || q > 4 {
		return ""
	}
	return "第" + quarterNames[q] + "季度"
}

func weightText(w *int) string {
	if w == nil {
		return ""
	}
	return "权重 " + strconv.Itoa(*w)
}

func categoryLabel(k string) string { return store.CategoryLabel(k) }

func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

func commitmentPath(id int64, rest string) string {
	return "/commitments/" + strconv.FormatInt(id, 10) + rest
}

func publicPath(id int64, rest string) string { return "/gk/c/" + strconv.FormatInt(id, 10) + rest }

func photoPath(cid, fid int64, thumb bool) string {
	size := "w"
	if thumb {
		size = "t"
	}
	return fmt.Sprintf("/gk/c/%d/photo/%d/%s.jpg", cid, fid, size)
}

// progressRule states on every page how progress and status are worked out.
const progressRule = "进度:每项以最近一条践诺记录的完成百分比为准;有子项的事项按子项权重加权平均,子项未全部填写权重时按简单平均。" +
	"状态:完成 100% 为已完成;过完成时限仍未完成为已逾期;自承诺批准之日起算的时间进度超过完成进度 25 个百分点及以上为进度滞后;其余为正常推进。"

func photos(files []store.EntryFileInfo) []store.EntryFileInfo {
	var out []store.EntryFileInfo
	for _, f := range files {
		if f.Photo {
			out = append(out, f)
		}
	}
	return out
}

func documents(files []store.EntryFileInfo) []store.EntryFileInfo {
	var out []store.EntryFileInfo
	for _, f := range files {
		if !f.Photo {
			out = append(out, f)
		}
	}
	return out
}

func firstN(es []store.CommitmentEntry, n int) []store.CommitmentEntry {
	if len(es) > n {
		return es[:n]
	}
	return es
}

func restAfter(es []store.CommitmentEntry, n int) []store.CommitmentEntry {
	if len(es) > n {
		return es[n:]
	}
	return nil
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
