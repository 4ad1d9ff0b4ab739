package core_test

import (
	"bytes"
	"os/exec"
	"testing"
)

// The package's API stays small enough to read: go doc -all prints at most
// 650 lines (log/slog's is about as long). What only the bridges need lives
// in internal/bridge.
func TestDocLength(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goCmd, "doc", "-all", ".").Output()
	if err != nil {
		t.Fatalf("go doc: %v", err)
	}
	if n := bytes.Count(out, []byte("\n")); n > 650 {
		t.Errorf("go doc -all prints %d lines, want at most 650", n)
	}
}
