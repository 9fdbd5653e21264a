package sqlite

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// crashChildEnv names the database a child process enrolls into before it
// SIGKILLs itself.
const crashChildEnv = "VISAGE_STORE_CRASH_CHILD_DB"

// An acknowledged enrollment survives the process being SIGKILLed: no
// Close, no flush, the WAL is recovered at the next Open. (A power cut
// cannot be tested here; synchronous=FULL is what covers it.)
func TestEnrollmentSurvivesSIGKILL(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		s, err := Open(path, testKey)
		if err != nil {
			t.Fatal(err)
		}
		createApp(t, s, "app1")
		for i := range 10 {
			createFace(t, s, "app1", fmt.Sprintf("face-%d", i), "")
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestEnrollmentSurvivesSIGKILL$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		t.Fatalf("the child did not die of SIGKILL: %v\n%s", err, out)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL left by the killed child (%v): nothing to recover, the test proves nothing", err)
	}
	s := reopen(t, path)
	if n, err := s.CountFaces(ctx, "app1"); err != nil || n != 10 {
		t.Fatalf("%d faces after the crash, %v; want 10", n, err)
	}
	if _, err := s.Face(ctx, "app1", "face-9"); err != nil {
		t.Fatal(err)
	}
}
