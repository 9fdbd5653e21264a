package bench

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestListNUAA(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{
		"ClientRaw/0002/b.jpg", "ClientRaw/0001/a.JPG", "ClientRaw/0001/Thumbs.db",
		"ImposterRaw/0001/c.jpg", "client_train_raw.txt",
	} {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ListNUAA(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{filepath.Join(dir, "ClientRaw", "0001", "a.JPG"), "0001", false},
		{filepath.Join(dir, "ClientRaw", "0002", "b.jpg"), "0002", false},
		{filepath.Join(dir, "ImposterRaw", "0001", "c.jpg"), "0001", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if _, err := ListNUAA(filepath.Join(dir, "ClientRaw")); err == nil {
		t.Error("no error for a folder without ClientRaw and ImposterRaw")
	}
}

func TestListNUAADataset(t *testing.T) {
	dir := dataset(t, "nuaa-print")
	samples, err := ListNUAA(dir)
	if err != nil {
		t.Fatal(err)
	}
	live, attacks := map[string]int{}, map[string]int{}
	for _, s := range samples {
		if s.Attack {
			attacks[s.Subject]++
		} else {
			live[s.Subject]++
		}
	}
	t.Logf("%d frames; live per subject %v, attacks %v", len(samples), live, attacks)
	if len(live) == 0 || len(attacks) == 0 {
		t.Errorf("live %v attacks %v: want both kinds", live, attacks)
	}
}

func TestPAD(t *testing.T) {
	results := []PADResult{
		// Subject A: two attacks (one gets through), two live (one rejected
		// by score, one with no face).
		{"A", true, 0.9, false},
		{"A", true, 0.2, false},
		{"A", false, 0.8, false},
		{"A", false, 0.3, false},
		{"A", false, 0.99, true}, // no face: rejected whatever the score
		// Subject B: one attack with no face (not accepted), one live accepted.
		{"B", true, 0.99, true},
		{"B", false, 0.5, false}, // exactly at the threshold: accepted
		// Subject C: live only.
		{"C", false, 0.6, false},
	}
	rep := PAD(results, 0.5)
	wantOverall := PADCounts{
		Attacks: 3, AttacksAccepted: 1, Live: 5, LiveRejected: 2,
		NoFaceAttacks: 1, NoFaceLive: 1, APCER: 1.0 / 3, BPCER: 2.0 / 5,
	}
	if rep.Overall != wantOverall {
		t.Errorf("overall %+v\nwant    %+v", rep.Overall, wantOverall)
	}
	wantA := PADCounts{Attacks: 2, AttacksAccepted: 1, Live: 3, LiveRejected: 2, NoFaceLive: 1, APCER: 0.5, BPCER: 2.0 / 3}
	wantB := PADCounts{Attacks: 1, Live: 1, NoFaceAttacks: 1, APCER: 0, BPCER: 0}
	if len(rep.Subjects) != 3 || rep.Subjects[0].Subject != "A" || rep.Subjects[0].PADCounts != wantA ||
		rep.Subjects[1].Subject != "B" || rep.Subjects[1].PADCounts != wantB {
		t.Errorf("subjects %+v", rep.Subjects)
	}
	c := rep.Subjects[2]
	if c.Subject != "C" || c.Live != 1 || c.BPCER != 0 || !math.IsNaN(c.APCER) {
		t.Errorf("subject C %+v, want one live frame accepted and APCER NaN", c)
	}
	// Subject means: APCER over A and B (C has no attacks), BPCER over all.
	if rep.SubjectAPCER != 0.25 || math.Abs(rep.SubjectBPCER-(2.0/3)/3) > 1e-15 {
		t.Errorf("subject means %v %v, want 0.25 %v", rep.SubjectAPCER, rep.SubjectBPCER, (2.0/3)/3)
	}
	empty := PAD(nil, 0.5)
	if !math.IsNaN(empty.Overall.APCER) || !math.IsNaN(empty.SubjectBPCER) || len(empty.Subjects) != 0 {
		t.Errorf("empty report %+v", empty)
	}
}
