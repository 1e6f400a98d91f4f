package demo

import "testing"

// TestCountySpecsDistinct: the county's townships have villages, accounts and Party
// secretaries of their own.
func TestCountySpecsDistinct(t *testing.T) {
	villages, accounts, secretaries := map[string]string{}, map[string]bool{}, map[string]string{}
	for i, ct := range CountyTownships {
		spec := countySpec(i, ct)
		if len(spec.villages) != 6 || len(spec.leaders) != 8 || len(spec.accounts) != 3 {
			t.Fatalf("%s: %+v", ct.Name, spec)
		}
		for _, v := range spec.villages {
			if other, ok := villages[v]; ok {
				t.Errorf("village %s in %s and %s", v, other, ct.Name)
			}
			villages[v] = ct.Name
		}
		for _, a := range spec.accounts {
			if accounts[a.Username] || !usernameOK(a.Username) {
				t.Errorf("account %q repeated or malformed", a.Username)
			}
			accounts[a.Username] = true
		}
		if other, ok := secretaries[spec.leaders[0].name]; ok {
			t.Errorf("%s is Party secretary of %s and %s", spec.leaders[0].name, other, ct.Name)
		}
		secretaries[spec.leaders[0].name] = ct.Name
	}
}

func usernameOK(u string) bool {
	if len(u) < 3 || len(u) > 32 {
		return false
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
