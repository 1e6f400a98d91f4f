package rules

import (
	"strings"
	"testing"
)

func TestPledgeGradesFromBothSides(t *testing.T) {
	only := map[string]int{"public": 100}
	cases := []struct {
		name string
		t    Tally
		want Outcome
	}{
		{"S exactly 90 satisfied", Tally{90, 0, 10, 0, 0}, Satisfied},
		{"S 89 fair", Tally{89, 0, 11, 0, 0}, FairlySatisfied},
		{"S exactly 80 fair", Tally{80, 0, 20, 0, 0}, FairlySatisfied},
		{"S 79 unsatisfied", Tally{79, 0, 21, 0, 0}, Unsatisfied},
		{"D 9 satisfied", Tally{91, 0, 0, 9, 0}, Satisfied},
		{"D exactly 10 fair", Tally{90, 0, 0, 10, 0}, FairlySatisfied},
		{"D exactly 20 unsatisfied", Tally{80, 0, 0, 20, 0}, Unsatisfied},
		{"89.995 shows 90.00 but is below", Tally{17999, 0, 2001, 0, 0}, FairlySatisfied},
		{"abstentions only", Tally{0, 0, 0, 0, 7}, NoResult},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Weigh(only, map[string]Tally{"public": c.t})
			got, reasons := DecidePledge(DefaultPolicy(), r)
			if got != c.want {
				t.Fatalf("grade %s, want %s", got, c.want)
			}
			// The grade lands where Decide's outcome does, and never calls for a talk.
			if want, _ := Decide(DefaultPolicy(), r); got.Band() != want {
				t.Errorf("band %s, Decide says %s", got.Band(), want)
			}
			if got.NeedsTalk() {
				t.Errorf("%s calls for a talk", got)
			}
			if len(reasons) == 0 || (got != NoResult && !strings.HasSuffix(reasons[len(reasons)-1], "评为"+got.Label())) {
				t.Errorf("reasons %q do not end with the grade %s", reasons, got.Label())
			}
		})
	}
}

func TestGradeLabelsAndSeverity(t *testing.T) {
	for o, want := range map[Outcome]string{Satisfied: "满意", FairlySatisfied: "基本满意", Unsatisfied: "不满意"} {
		if o.Label() != want || !o.IsGrade() || o.Severity() != o.Band().Severity() {
			t.Errorf("%s: label %s, grade %v, severity %d", o, o.Label(), o.IsGrade(), o.Severity())
		}
	}
	for _, o := range []Outcome{Pass, Reminder, Admonishment, NoResult} {
		if o.IsGrade() || o.Band() != o {
			t.Errorf("%s counted as a grade", o)
		}
	}
}
