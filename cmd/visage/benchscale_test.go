package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/visagehq/visage/internal/storetest"
)

// bench scale's store parts on a few thousand faces: every genuine probe
// finds its face (the bench fails otherwise), propagation is measured,
// and the schemas it made are gone afterwards.
func TestBenchScaleSmall(t *testing.T) {
	server := storetest.PostgresServer(t)
	var out bytes.Buffer
	if err := benchScale([]string{"--store", server, "--faces", "3000", "--skip", "replicas", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var rep ScaleReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v in:\n%s", err, out.String())
	}
	if rep.Load == nil || rep.Load.Faces != 3000 || rep.Load.Load <= 0 || rep.Search == nil || rep.Search.Found != searchProbes ||
		rep.Propagation == nil || rep.Propagation.Max <= 0 || rep.Replicas != nil {
		t.Fatalf("report:\n%s", out.String())
	}
	conn := storetest.PostgresConn(t, server)
	for _, schema := range []string{rep.Load.Schema, rep.Propagation.Schema} {
		var n int
		if err := conn.QueryRow(t.Context(), "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil || n != 0 {
			t.Errorf("schema %s: %d left, %v", schema, n, err)
		}
	}
}

func TestBenchScaleUsage(t *testing.T) {
	for _, args := range [][]string{{"--skip", "loads"}, {"--faces", "0"}, {"--clients", "0"}} {
		err := benchScale(args, &bytes.Buffer{})
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "bench scale") {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
