package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestQuickstart runs the quickstart against its embedded receiver and
// checks the printed summary.
func TestQuickstart(t *testing.T) {
	t.Setenv("SENTRY_DSN", "")
	t.Setenv("SENTRY_SPOTLIGHT", "")
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("quickstart failed: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"6 events received",
		"payments.ErrDeclined: checkout order 1042: charge: card declined",
		"inventory.ErrTimeout + payments.ErrDeclined: inventory service timed out", "(group)",
		"[Go type *fmt.wrapError]", "[Go type *errors.joinError]",
		"logger=shop.slog", "logger=shop.zap", "logger=shop.zerolog",
		"user:        id=user-slog", "user:        id=user-zap", "user:        id=user-zerolog",
		"cart loaded", "charging card",
		"at logWithSlog", "at logWithZap", "at logWithZerolog",
		"12 logs received", "▸ log [info ] cart loaded", "▸ log [error] checkout failed",
		"(auto.log.slog)", "(auto.log.zap)", "(auto.log.zerolog)", "items=3",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q\n%s", want, s)
		}
	}
}
