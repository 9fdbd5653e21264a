package faceauth_test

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// needShell skips unless bash and curl are installed.
func needShell(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

// runBash runs a bash script with arguments in dir and fails the test,
// showing the output, when it exits non-zero.
func runBash(t *testing.T, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// A client written against FaceAuth's documentation works against Visage
// with only its base URL changed, whether the dialect has a listener of
// its own or sits under /api/v1 of the native server.
func TestFaceAuthClient(t *testing.T) {
	needShell(t)
	p := people(t)
	dir := writePhotos(t, p)
	for name, mounted := range map[string]bool{"own listener": false, "under /api/v1": true} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, options{mounted: mounted})
			out := runBash(t, dir, mustAbs(t, "testdata/client.sh"), s.url, dir)
			t.Log(out)
			noSecrets(t, s.log.String(), "fa_")
		})
	}
	// The script notices a server that does not answer as FaceAuth: here
	// the native API's root, where /health is not FaceAuth's.
	s := newServer(t, options{mounted: true})
	cmd := exec.Command("bash", mustAbs(t, "testdata/client.sh"), s.root, dir)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("client.sh passed against a server that is not FaceAuth:\n%s", out)
	}
}
