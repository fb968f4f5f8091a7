package bera_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
)

func forms(spec string) []*bera.Formation {
	var out []*bera.Formation
	for _, f := range strings.Fields(spec) {
		typ, rest, _ := strings.Cut(f, "=")
		q, size, _ := strings.Cut(rest, ":")
		n := 0
		for _, c := range q {
			n = n*10 + int(c-'0')
		}
		out = append(out, &bera.Formation{Type: typ, Quantity: n, Size: size})
	}
	return out
}

func TestFormationLimits_CheckFormation(t *testing.T) {
	limits := bera.FormationLimits{MaxPerApp: 10, MaxPerAccount: 15, Sizes: []string{"standard-1X", "standard-2X"}}
	tests := []struct {
		name          string
		before, after string
		others        int
		want          string // "" for allowed, else part of the message
	}{
		{"WithinCaps", "web=1:standard-1X", "web=5:standard-1X worker=5:standard-2X", 5, ""},
		{"OverApp", "web=1:standard-1X", "web=6:standard-1X worker=5:standard-1X", 0, "an app may run at most 10 dynos"},
		{"OverAccount", "web=1:standard-1X", "web=6:standard-1X", 10, "at most 15 dynos together"},
		{"SizeNotOffered", "web=1:standard-1X", "web=1:performance-L", 0, "Size performance-L is not available"},
		{"NewTypeSizeNotOffered", "", "web=0:performance-M", 0, "Size performance-M is not available"},
		{"ScaleUpOldSize", "web=1:performance-L", "web=2:performance-L", 0, "Size performance-L is not available"},
		// Scaling down is allowed even over a limit lowered since, or on a size withdrawn since.
		{"ScaleDownOverApp", "web=50:standard-1X", "web=20:standard-1X", 0, ""},
		{"ScaleDownOldSize", "web=3:performance-L", "web=1:performance-L", 100, ""},
		{"Negative", "web=1:standard-1X", "web=-1:standard-1X", 0, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := limits.CheckFormation(bera.FormationChange{Before: forms(tt.before), After: forms(tt.after), OwnerOtherDynos: tt.others})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want invalid_params containing %q", err, tt.want)
			}
		})
	}
	// Quantities so large their sum would wrap round are refused, not let through.
	huge := []*bera.Formation{{Type: "web", Quantity: 1 << 62, Size: "standard-1X"}, {Type: "worker", Quantity: 1 << 62, Size: "standard-1X"}}
	if err := limits.CheckFormation(bera.FormationChange{After: huge}); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("2×2^62 dynos: %v, want refused", err)
	}
	if err := limits.CheckFormation(bera.FormationChange{After: forms("web=1:standard-1X"), OwnerOtherDynos: 1<<63 - 1}); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("huge other dynos: %v, want refused", err)
	}
	// The zero value caps an app at 100 and allows every size.
	var zero bera.FormationLimits
	if err := zero.CheckFormation(bera.FormationChange{After: forms("worker=101:performance-L")}); err == nil {
		t.Error("zero limits allowed 101 dynos")
	}
	if err := zero.CheckFormation(bera.FormationChange{After: forms("web=50:performance-L worker=50:eco")}); err != nil {
		t.Errorf("zero limits refused 100 dynos: %v", err)
	}
}

func TestApplyFormationUpdates(t *testing.T) {
	before := forms("web=2:standard-1X worker=1:standard-1X")
	three, minus := 3, -5
	after, err := bera.ApplyFormationUpdates(before, []bera.FormationUpdate{
		{Type: "web", Quantity: &three, Relative: true, Size: "performance-m"},
		{Type: "worker", Quantity: &minus, Relative: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if after[0].Quantity != 5 || after[0].Size != "performance-M" || after[1].Quantity != 0 || before[0].Quantity != 2 {
		t.Fatalf("after = %+v %+v, before web %d", after[0], after[1], before[0].Quantity)
	}
	if _, err := bera.ApplyFormationUpdates(before, []bera.FormationUpdate{{Type: "clock", Quantity: &three}}); bera.ErrorCode(err) != bera.ENotFound {
		t.Fatalf("unknown type: %v", err)
	}
}

// No size may grant a pids limit near a host's pid_max: one dyno could exhaust the pid
// space of the machine it shares with every other tenant.
func TestDynoSizes_PIDsBounded(t *testing.T) {
	for _, s := range bera.DynoSizes {
		if s.PIDs <= 0 || s.PIDs > bera.MaxDynoPIDs || bera.MaxDynoPIDs > 4096 {
			t.Errorf("%s: pids %d, want 1..%d (≤ 4096)", s.Name, s.PIDs, bera.MaxDynoPIDs)
		}
	}
}

func TestParseDynoSizes(t *testing.T) {
	got, err := bera.ParseDynoSizes(" standard-1x, Performance-M,standard-1X,,")
	if err != nil || strings.Join(got, ",") != "standard-1X,performance-M" {
		t.Fatalf("ParseDynoSizes = %v, %v", got, err)
	}
	if got, err := bera.ParseDynoSizes(""); err != nil || got != nil {
		t.Fatalf("empty list = %v, %v", got, err)
	}
	if _, err := bera.ParseDynoSizes("standard-1X,huge"); bera.ErrorCode(err) != bera.EInvalid {
		t.Fatalf("unknown size: %v", err)
	}
}

func FuzzParseDynoSizes(f *testing.F) {
	f.Add("standard-1X,performance-l")
	f.Add(" , eco,,huge")
	f.Fuzz(func(t *testing.T, list string) {
		sizes, err := bera.ParseDynoSizes(list)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range sizes {
			d, err := bera.LookupDynoSize(s)
			if err != nil || d.Name != s || seen[s] {
				t.Fatalf("ParseDynoSizes(%q) = %v: %q not canonical or repeated", list, sizes, s)
			}
			seen[s] = true
		}
	})
}

// FuzzCheckFormation: whatever the formation, an allowed change never exceeds the caps
// unless it does not add dynos.
func FuzzCheckFormation(f *testing.F) {
	f.Add(1, 101, 0, 5, "standard-1X")
	f.Add(50, 20, 3, 90, "performance-L")
	f.Fuzz(func(t *testing.T, before, after, others, maxApp int, size string) {
		limits := bera.FormationLimits{MaxPerApp: maxApp, MaxPerAccount: 100, Sizes: []string{"standard-1X"}}
		c := bera.FormationChange{
			Before:          []*bera.Formation{{Type: "web", Quantity: before, Size: "standard-1X"}},
			After:           []*bera.Formation{{Type: "web", Quantity: after, Size: size}},
			OwnerOtherDynos: others,
		}
		err := limits.CheckFormation(c)
		if err != nil {
			if bera.ErrorCode(err) != bera.EInvalid {
				t.Fatalf("code %s", bera.ErrorCode(err))
			}
			return
		}
		capApp := maxApp
		if capApp <= 0 {
			capApp = bera.DefaultMaxDynosPerApp
		}
		if after < 0 || (after > max(before, 0) && (after > capApp || after+others > 100)) {
			t.Fatalf("allowed %+v under %+v", c, limits)
		}
		if after > max(before, 0) && !strings.EqualFold(size, "standard-1X") {
			t.Fatalf("allowed size %q", size)
		}
	})
}

func TestWithProcessTypes(t *testing.T) {
	got := bera.WithProcessTypes(nil, map[string]string{"web": "w", "worker": "k"})
	if len(got) != 2 || got[0].Type != "web" || got[0].Quantity != 1 || got[1].Quantity != 0 || got[1].Size != bera.DefaultDynoSize {
		t.Fatalf("first deploy: %+v %+v", got[0], got[1])
	}
	before := forms("web=3:standard-2X clock=1:standard-1X")
	got = bera.WithProcessTypes(before, map[string]string{"web": "w2", "worker": "k"})
	if len(got) != 2 || got[0].Quantity != 3 || got[0].Size != "standard-2X" || got[0].Command != "w2" || got[1].Type != "worker" || got[1].Quantity != 0 || before[0].Command != "" {
		t.Fatalf("later deploy: %+v %+v", got[0], got[1])
	}
}
